"""Reads for the invoice pages, straight from the read model: lists and the detail.

Lists are keyset-paginated: a page ends with an opaque cursor holding the sort and the
last row's (sort key, invoice id); the next page starts strictly after that pair. Unlike
OFFSET, a page costs the same at the 10,000th invoice as at the first (each sort has an
index ending in the id, see projections/invoices.py), and invoices added meanwhile never shift
rows between pages: each invoice that existed when the listing started comes exactly once.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, literal, or_, select, tuple_

from services.billing.domain.invoice import shown_status
from services.billing.domain.money import tax_breakdown
from services.billing.domain.payment import owed_again
from services.billing.projections.credit_notes import credit_notes
from services.billing.projections.invoices import invoices
from services.billing.projections.paid import credit_applications, payment_allocations, refunded_on
from services.billing.queries.saved_methods import with_saved_methods
from services.billing.projections.payments import invoice_payment_locks, payments
from services.chassis import auth
from services.chassis.errors import NotFound, PortalError
from services.chassis.tables import events

SORT_KEYS = {"issued_at": invoices.c.listed_at, "due_date": invoices.c.due_key,
             "number": invoices.c.number_key, "total": invoices.c.total_minor}
SORTS = tuple(s for key in SORT_KEYS for s in (key, f"-{key}"))
DEFAULT_SORT = "-issued_at"
SUMMARY = [invoices.c[name] for name in (
    "invoice_id", "customer_id", "number", "status", "currency", "total_minor", "tax_minor",
    "amount_paid_minor", "amount_due_minor", "issued_at", "due_date", "external_ref",
    "created_at", "updated_at")]
TIMELINE = {"InvoiceIssued": "issued", "InvoiceUpdated": "updated", "InvoiceVoided": "voided",
            "InvoiceViewed": "viewed", "CommentPosted": "comment", "InvoiceForwarded": "forwarded"}
PAYMENT_TIMELINE = {"PaymentInitiated": "payment_initiated", "PaymentPending": "payment_pending",
                    "PaymentSettled": "payment_settled", "PaymentFailed": "payment_failed",
                    "PaymentRefunded": "payment_refunded"}
HISTORY_LIMIT = 50          # payments on an invoice's detail; the payments list has them all


class BadCursor(PortalError):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str):
        super().__init__(detail, errors={"query": {"cursor": [detail]}})


@dataclass(frozen=True)
class ListQuery:
    customer_id: str | None = None
    status: str | None = None
    number: str | None = None
    match: str = "contains"                 # or "prefix"
    issued_from: date | None = None
    issued_to: date | None = None
    sort: str = DEFAULT_SORT
    cursor: str | None = None
    limit: int = 25


def encode_cursor(sort: str, value, invoice_id: str) -> str:
    raw = json.dumps([sort, value, invoice_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        got_sort, value, invoice_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise BadCursor("This cursor is not valid; start from the first page.") from None
    wanted = int if sort.lstrip("-") == "total" else str
    if got_sort != sort or not isinstance(invoice_id, str) or type(value) is not wanted:
        raise BadCursor("This cursor belongs to another sort order; start from the first page.")
    return value, invoice_id


def _status_filter(status: str, today: str):
    c = invoices.c
    if status == "overdue":
        return and_(c.status.in_(("sent", "partially_paid")), c.due_key < today, c.amount_due_minor > 0)
    if status in ("sent", "partially_paid"):
        return and_(c.status == status, or_(c.due_key >= today, c.amount_due_minor == 0))
    return c.status == status


def list_invoices(conn, org_id: str, q: ListQuery, today: date, for_customer: bool,
                  caller: auth.Principal | None = None) -> dict:
    """One page: {"items": [...], "next_cursor": str | None}. `for_customer`: what a contact
    may see (never a draft)."""
    c = invoices.c
    query = auth.scoped(select(*SUMMARY).where(c.org_id == org_id), invoices, caller)
    if q.customer_id is not None:
        query = query.where(c.customer_id == q.customer_id)
    if for_customer:
        query = query.where(c.status != "draft")
    if q.status:
        query = query.where(_status_filter(q.status, today.isoformat()))
    if q.number:
        needle = q.number.strip().lower()
        query = query.where(c.number_key.startswith(needle, autoescape=True) if q.match == "prefix"
                            else c.number_key.contains(needle, autoescape=True))
    if q.issued_from:
        query = query.where(c.issued_at >= q.issued_from.isoformat())
    if q.issued_to and q.issued_to < date.max:    # the last day there is bounds nothing (and has no next day)
        query = query.where(c.issued_at < (q.issued_to + timedelta(days=1)).isoformat())
    key, descending = SORT_KEYS[q.sort.lstrip("-")], q.sort.startswith("-")
    if q.cursor:
        value, after_id = decode_cursor(q.cursor, q.sort)
        pair, last = tuple_(key, c.invoice_id), tuple_(literal(value), literal(after_id))
        query = query.where(pair < last if descending else pair > last)
    order = (key.desc(), c.invoice_id.desc()) if descending else (key.asc(), c.invoice_id.asc())
    rows = conn.execute(query.add_columns(key.label("sort_key")).order_by(*order)
                        .limit(q.limit + 1)).all()
    items = [summary(r._mapping, today) for r in rows[:q.limit]]
    paying = being_paid(conn, [i["invoice_id"] for i in items])
    for item in items:
        item["payment_in_progress"] = item["invoice_id"] in paying
    more = len(rows) > q.limit
    last_row = rows[q.limit - 1] if more else None
    return {"items": items,
            "next_cursor": encode_cursor(q.sort, last_row.sort_key, last_row.invoice_id) if more else None}


def being_paid(conn, invoice_ids: list[str]) -> set[str]:
    """Which of these invoices have a payment in progress (they hold its lock): lists say
    "payment in progress" and offer no second payment."""
    if not invoice_ids:
        return set()
    locks = invoice_payment_locks.c
    return set(conn.execute(select(locks.invoice_id).where(locks.invoice_id.in_(invoice_ids))).scalars())


def summaries(conn, org_id: str, invoice_ids: list[str], today: date) -> dict[str, dict]:
    """{invoice id: the invoice as the staff's list shows it} for many at once (a push's answer)."""
    found: dict[str, dict] = {}
    wanted = sorted(set(invoice_ids))
    for start in range(0, len(wanted), 500):
        rows = conn.execute(select(*SUMMARY).where(invoices.c.org_id == org_id,
                                                   invoices.c.invoice_id.in_(wanted[start:start + 500])))
        found.update((r.invoice_id, summary(r._mapping, today)) for r in rows)
    paying = being_paid(conn, list(found))
    for invoice_id, item in found.items():
        item["payment_in_progress"] = invoice_id in paying
    return found


def summary(row, today: date) -> dict:
    item = {k: row[k] for k in row.keys() if k != "sort_key"}
    item["status"] = shown_status(row["status"], row["due_date"], row["amount_due_minor"], today)
    return item


def invoice_detail(conn, org_id: str, invoice_id: str, today: date, for_customer: bool,
                   customer_id: str | None = None, caller: auth.Principal | None = None) -> dict:
    """The invoice with lines, taxes and its timeline; 404 for another org's or customer's
    invoice, and for a draft when a customer asks."""
    c = invoices.c
    query = auth.scoped(select(invoices).where(c.org_id == org_id, c.invoice_id == invoice_id),
                        invoices, caller)
    if customer_id is not None:
        query = query.where(c.customer_id == customer_id)
    if for_customer:
        query = query.where(c.status != "draft")
    row = conn.execute(query).first()
    if row is None:
        raise NotFound("No such invoice.")
    detail = summary(row._mapping, today)
    detail.update(subtotal_minor=row.subtotal_minor, discount_minor=row.discount_minor,
                  notes=row.notes, lines=row.lines, taxes=tax_breakdown(row.lines),
                  sales_order_id=row.sales_order_id, payment_in_progress=bool(being_paid(conn, [invoice_id])),
                  refunded_minor=refunded_on(conn, invoice_id),
                  payments=invoice_payments(conn, invoice_id),
                  timeline=timeline(conn, invoice_id, for_customer))
    return detail


def invoice_payments(conn, invoice_id: str) -> list[dict]:
    """The invoice's payment history, newest first: what each payment pays (or tries to)
    towards this invoice, and how it stands."""
    p, a = payments.c, payment_allocations.c
    rows = conn.execute(
        select(a.payment_id, a.amount_minor, a.refunded_minor, a.reopened_minor, p.status, p.method, p.gateway,
               p.currency, p.initiated_at, p.settled_at, p.failed_at, p.failure_reason)
        .join(payments, p.payment_id == a.payment_id).where(a.invoice_id == invoice_id)
        .order_by(a.initiated_at.desc(), a.payment_id.desc()).limit(HISTORY_LIMIT)).all()
    return with_saved_methods(conn, [dict(r._mapping) for r in rows])


def timeline(conn, invoice_id: str, for_customer: bool) -> list[dict]:
    """What happened to the invoice, oldest first: its own events and its payments' events."""
    rows = conn.execute(select(events.c.type, events.c.occurred_at, events.c.data, events.c.meta)
                        .where(events.c.stream_id == invoice_id).order_by(events.c.version)).all()
    entries = []
    for r in rows:
        if r.type not in TIMELINE:
            continue
        if r.type == "CommentPosted" and for_customer and not r.data.get("visible_to_customer"):
            continue                    # a staff-internal note: never shown to the customer
        actor = (r.meta or {}).get("actor") or {}
        entry = {"event": TIMELINE[r.type], "at": r.occurred_at, "actor_kind": actor.get("kind")}
        if not for_customer:
            entry["actor_id"] = actor.get("id")
        if r.type == "InvoiceUpdated":
            entry["changed"] = r.data["changed"]
        elif r.type == "InvoiceVoided":
            entry["reason"] = r.data["reason"]
        elif r.type == "InvoiceIssued":
            entry["number"] = r.data["number"]
        elif r.type == "InvoiceViewed" and not for_customer:
            entry["contact_id"] = r.data["contact_id"]
        elif r.type == "CommentPosted":
            entry["comment_id"] = r.data["comment_id"]
            if not for_customer:
                entry["internal"] = not r.data.get("visible_to_customer")
        elif r.type == "InvoiceForwarded" and not for_customer:
            entry.update(contact_id=r.data["contact_id"], recipient_email=r.data["recipient_email"])
        entries.append(entry)
    entries += _payment_entries(conn, invoice_id, for_customer)
    entries += _credit_entries(conn, invoice_id, for_customer)
    return sorted(entries, key=lambda e: e["at"])        # stable: an invoice's own order is kept


def _payment_entries(conn, invoice_id: str, for_customer: bool) -> list[dict]:
    payment_ids = conn.execute(select(payment_allocations.c.payment_id)
                               .where(payment_allocations.c.invoice_id == invoice_id)).scalars().all()
    if not payment_ids:
        return []
    rows = conn.execute(select(events.c.stream_id, events.c.type, events.c.occurred_at, events.c.data,
                               events.c.meta)
                        .where(events.c.stream_id.in_(payment_ids), events.c.type.in_(PAYMENT_TIMELINE))
                        .order_by(events.c.position)).all()
    entries = []
    for r in rows:
        split = {a["invoice_id"]: a["amount_minor"] for a in r.data.get("allocations") or ()}
        if invoice_id not in split:
            continue                # a refund that came off the payment's other invoices
        actor = (r.meta or {}).get("actor") or {}
        entry = {"event": PAYMENT_TIMELINE[r.type], "at": r.occurred_at, "actor_kind": actor.get("kind"),
                 "payment_id": r.stream_id, "amount_minor": split[invoice_id]}
        if not for_customer:
            entry["actor_id"] = actor.get("id")
        if r.type == "PaymentFailed":
            entry["reason"] = r.data["reason"]
        elif r.type == "PaymentRefunded":
            entry["reopens_invoice"] = owed_again(r.data)
        entries.append(entry)
    return entries


def _credit_entries(conn, invoice_id: str, for_customer: bool) -> list[dict]:
    """Credit notes applied to the invoice ("credit_applied": the note, its number, the amount)."""
    a, n = credit_applications.c, credit_notes.c
    rows = conn.execute(select(a.credit_note_id, a.amount_minor, a.applied_at, n.number, events.c.meta)
                        .join(credit_notes, n.credit_note_id == a.credit_note_id)
                        .outerjoin(events, events.c.event_id == a.application_id)
                        .where(a.invoice_id == invoice_id)).all()
    entries = []
    for r in rows:
        actor = (r.meta or {}).get("actor") or {}
        entry = {"event": "credit_applied", "at": r.applied_at, "actor_kind": actor.get("kind"),
                 "credit_note_id": r.credit_note_id, "number": r.number, "amount_minor": r.amount_minor}
        if not for_customer:
            entry["actor_id"] = actor.get("id")
        entries.append(entry)
    return entries
