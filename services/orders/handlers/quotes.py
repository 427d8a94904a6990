"""An accepted quote becomes a confirmed sales order (documents' QuoteAccepted).

The quote's amount is what the customer agreed to, so the order has one line: the quote's
number and title, quantity 1, the quote's amount as the unit price and no tax on top
(tax_rate 0). It is placed in the consumer's transaction, like any order (numbered
SO-000123), with external_ref `quote:<document_id>`: a redelivered or replayed acceptance
finds that order and adds nothing. Two deliveries of it at once: the consumer's dedupe
settles a repeat of the same event; for two events of one quote the unique external_ref
(or order number) refuses the second writer's commit, and the consumer's retry of it
finds the first one's order.

An acceptance without `currency` or `amount_minor` (a documents service from before they
were published) has no terms to order: it is logged and makes no order.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from services.chassis.events import Event
from services.orders.domain.commands import PlaceOrder
from services.orders.domain.lines import MAX_DESCRIPTION
from services.orders.domain.sales_order import MAX_NOTES
from services.orders.handlers.orders import place_in

log = logging.getLogger(__name__)


def quote_ref(document_id: str) -> str:
    return f"quote:{document_id}"


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _description(number: str | None, title: str | None) -> str:
    if number and title:
        text = f"Quote {number}: {title}"
    else:
        text = title or (f"Quote {number}" if number else "Accepted quote")
    return _shortened(" ".join(text.split()), MAX_DESCRIPTION)


def _notes(d: dict) -> str:
    quote = f"quote {d['number']}" if d.get("number") else "the quote"
    version = f", version {d['version']}" if d.get("version") else ""
    notes = f"Placed from {quote} (document {d['document_id']}{version}), accepted in the portal."
    if d.get("comment") and d["comment"].strip():
        notes += f"\n\nThe customer's comment:\n{d['comment'].strip()}"
    return _shortened(notes, MAX_NOTES)


def _day(occurred_at: str) -> str:
    """The UTC day the quote was accepted: the order's date, the same on every replay."""
    return datetime.fromisoformat(occurred_at).astimezone(timezone.utc).date().isoformat()


def on_quote_accepted(event: Event, uow) -> None:
    d = event.data
    if d.get("currency") is None or d.get("amount_minor") is None:
        log.info("quote %s of org %s was accepted without its currency and amount: no order placed",
                 d.get("document_id"), event.org_id)
        return
    line = {"description": _description(d.get("number"), d.get("title")), "sku": None, "quantity": "1",
            "unit_price_minor": d["amount_minor"], "tax_rate": "0"}
    order_id, created = place_in(uow, PlaceOrder(
        org_id=event.org_id, customer_id=d["customer_id"], currency=d["currency"], lines=[line],
        ordered_on=_day(event.occurred_at), notes=_notes(d), external_ref=quote_ref(d["document_id"])))
    if not created:
        log.info("quote %s of org %s already made order %s", d["document_id"], event.org_id, order_id)
