"""Every other service's event, last of its handlers (bootstrap.EVENT_HANDLERS): into the
staff activity feed, queued for the webhooks that want it, and mailed at once to the staff
who asked for that kind of activity."""
from sqlalchemy import insert, select

from contracts.catalogue import CATALOGUE
from services.chassis.events import Event
from services.notifications.handlers import staff_mail, webhooks
from services.notifications.projections.audit import actor_name
from services.notifications.tables import activity, invoice_numbers

# the event's own field that names the thing, where it has one
SUBJECT_FIELDS = ("number", "order_number", "title", "subject", "filename", "name", "tracking_number")


def record_activity(event: Event, uow) -> None:
    actor = event.actor or {}
    uow.conn.execute(insert(activity).values(
        event_id=event.event_id, org_id=event.org_id, service=CATALOGUE[event.type].service,
        type=event.type, aggregate_type=event.aggregate_type, aggregate_id=event.aggregate_id,
        actor_kind=actor.get("kind", "system"), occurred_at=event.occurred_at,
        subject=_subject(uow.conn, event), customer_id=_text((event.data or {}).get("customer_id"), 64),
        actor_name=actor_name(uow.conn, event.org_id, actor)))


def _text(value, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value.strip() else None


def _subject(conn, event: Event) -> str | None:
    """The invoice number, order number, title ... the entry is about: the event's own field,
    else the numbers of the invoices a payment or comment is for (InvoiceIssued kept them)."""
    data = event.data or {}
    for name in SUBJECT_FIELDS:
        if _text(data.get(name), 200):
            return data[name][:200]
    ids = [a.get("invoice_id") for a in data.get("allocations") or [] if isinstance(a, dict)]
    ids += [data["invoice_id"]] if isinstance(data.get("invoice_id"), str) else []
    if not ids:
        return None
    numbers = conn.execute(select(invoice_numbers.c.number).where(invoice_numbers.c.invoice_id.in_(ids))).scalars()
    return ", ".join(sorted(set(numbers)))[:200] or None


def on_portal_event(event: Event, uow) -> None:
    record_activity(event, uow)
    webhooks.enqueue(event, uow)
    staff_mail.on_activity(event, uow)          # staff who asked for it at once
