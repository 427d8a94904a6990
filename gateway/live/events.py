"""From a service's event (the contracts' envelope) to what open pages receive.

An `Update` names its org and topic, the SSE event's kind and data, and the sides that may
ever see it: a staff-internal note is for staff only and never reaches a contact's stream.
`for_viewer` shapes it for one stream (`mine` is computed per person; contacts never get
another person's id). Events that concern no page give no update."""
from __future__ import annotations

from dataclasses import dataclass, field

BOTH = frozenset({"contact", "staff"})
STAFF = frozenset({"staff"})
OTHER_SIDE = {"contact": "staff", "staff": "contact"}


@dataclass(frozen=True)
class Update:
    org: str
    topic: str
    kind: str                                   # SSE event: message | seen | status | note
    data: dict = field(hash=False)
    sides: frozenset = BOTH
    event_id: int | None = None                 # SSE id (a message's seq)

    @property
    def key(self) -> str:
        return f"{self.org}/{self.topic}"


def _ticket(envelope: dict) -> list[Update]:
    kind, d, org = envelope.get("type"), envelope.get("data") or {}, envelope.get("org_id")
    topic = f"ticket:{d.get('ticket_id')}"
    if kind == "TicketMessagePosted" and isinstance(d.get("seq"), int):
        author = d["author_kind"]
        message = {"seq": d["seq"], "author_kind": author, "author_id": d["author_id"],
                   "author_name": d.get("author_name"), "body": d["body"], "posted_at": envelope.get("occurred_at")}
        # who writes has read the conversation up to their message: the other side's "seen"
        return [Update(org, topic, "message", message, BOTH, d["seq"]),
                Update(org, topic, "seen", {"seq": d["seq"]}, frozenset({OTHER_SIDE[author]}))]
    if kind == "TicketRead":
        return [Update(org, topic, "seen", {"seq": d["seq"]}, frozenset({OTHER_SIDE[d["reader_kind"]]}))]
    if kind == "TicketStatusChanged":
        return [Update(org, topic, "status", {"status": d["to_status"]})]
    if kind == "TicketClosed":
        return [Update(org, topic, "status", {"status": "closed"})]
    if kind == "TicketNoteAdded":
        note = {"note_id": d["note_id"], "author_name": d.get("author_name"), "body": d["body"],
                "added_at": envelope.get("occurred_at")}
        return [Update(org, topic, "note", note, STAFF)]
    return []


def _shipment(envelope: dict) -> list[Update]:
    """orders' shipments: one topic per customer (`deliveries:<customer_id>`), followed by the
    customer's order and Deliveries pages; the status shown is the shipment's current one
    (a late report of an earlier stage leaves it as it was)."""
    kind, d, org = envelope.get("type"), envelope.get("data") or {}, envelope.get("org_id")
    topic = f"deliveries:{d.get('customer_id')}"
    if kind == "ShipmentDispatched":
        return [Update(org, topic, "delivery", {"shipment_id": d["shipment_id"], "status": d["status"]})]
    if kind == "DeliveryStatusChanged":
        return [Update(org, topic, "delivery", {"shipment_id": d["shipment_id"], "status": d["current_status"]})]
    return []


# billing's payment events, by the status the payment has after each
PAYMENT_STATUS = {"PaymentInitiated": "initiated", "PaymentPending": "pending", "PaymentSettled": "settled",
                  "PaymentReceivedAfterFailure": "settled", "PaymentFailed": "failed", "PaymentRefunded": "refunded"}


def _payment(envelope: dict) -> list[Update]:
    """billing's payments: one topic per payment (`payment:<payment_id>`), followed by its page,
    which fetches the payment's status part again through the gateway when told it moved (so
    the words and what the reader may do with it stay the gateway's)."""
    kind, d, org = envelope.get("type"), envelope.get("data") or {}, envelope.get("org_id")
    if kind not in PAYMENT_STATUS:
        return []
    return [Update(org, f"payment:{d['payment_id']}", "payment",
                   {"payment_id": d["payment_id"], "status": PAYMENT_STATUS[kind]})]


# by aggregate type
TRANSLATORS = {"Ticket": _ticket, "TicketReadMark": _ticket, "Shipment": _shipment, "Payment": _payment}


def updates(envelope: dict) -> list[Update]:
    translate = TRANSLATORS.get(envelope.get("aggregate_type"))
    if translate is None or not envelope.get("org_id"):
        return []
    try:
        return translate(envelope)
    except (KeyError, TypeError):          # an event not shaped as its contract says: nobody gets it
        return []


def for_viewer(update: Update, side: str, principal: str) -> dict | None:
    """The data this viewer gets, or None when the update is not for their side."""
    if side not in update.sides:
        return None
    if update.kind != "message":
        return update.data
    data = dict(update.data)
    author_id = data.pop("author_id")
    data["mine"] = data["author_kind"] == side and author_id == principal
    if side == "staff":
        data["author_id"] = author_id
    return data
