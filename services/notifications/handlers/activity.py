"""Every other service's event, last of its handlers (bootstrap.EVENT_HANDLERS): into the
staff activity feed, queued for the webhooks that want it, and mailed at once to the staff
who asked for that kind of activity."""
from sqlalchemy import insert

from contracts.catalogue import CATALOGUE
from services.chassis.events import Event
from services.notifications.handlers import staff_mail, webhooks
from services.notifications.tables import activity


def record_activity(event: Event, uow) -> None:
    uow.conn.execute(insert(activity).values(
        event_id=event.event_id, org_id=event.org_id, service=CATALOGUE[event.type].service,
        type=event.type, aggregate_type=event.aggregate_type, aggregate_id=event.aggregate_id,
        actor_kind=(event.actor or {}).get("kind", "system"), occurred_at=event.occurred_at))


def on_portal_event(event: Event, uow) -> None:
    record_activity(event, uow)
    webhooks.enqueue(event, uow)
    staff_mail.on_activity(event, uow)          # staff who asked for it at once
