"""notifications' event handlers: every portal event lands in the staff activity
feed, is queued for the webhooks that want it, and mailed to the staff who asked."""
from sqlalchemy import insert

from contracts.catalogue import CATALOGUE, topic_for
from services.chassis import orgs
from services.chassis.events import Event
from services.notifications import customer_mail, link_payers, staff_mail, webhooks
from services.notifications import unsubscribes
from services.notifications.projections import activity


def record_activity(event: Event, uow) -> None:
    uow.conn.execute(insert(activity).values(
        event_id=event.event_id, org_id=event.org_id, service=CATALOGUE[event.type].service,
        type=event.type, aggregate_type=event.aggregate_type, aggregate_id=event.aggregate_id,
        actor_kind=(event.actor or {}).get("kind", "system"), occurred_at=event.occurred_at))


def on_portal_event(event: Event, uow) -> None:
    record_activity(event, uow)
    webhooks.enqueue(event, uow)
    staff_mail.on_activity(event, uow)          # staff who asked for it at once


def _then(first, second):
    def handle(event, uow):
        first(event, uow)
        second(event, uow)
    return handle


def subscriptions() -> dict:
    subs: dict[str, dict] = {}
    for contract in CATALOGUE.values():
        if contract.service != "notifications":
            subs.setdefault(topic_for(contract.service), {})[contract.type] = on_portal_event
    for topic, handlers in orgs.subscriptions().items():
        for type_, handler in handlers.items():
            subs[topic][type_] = _then(handler, on_portal_event)
    for service, handlers in customer_mail.HANDLERS.items():       # mail to customers
        for type_, handler in handlers.items():
            subs[topic_for(service)][type_] = _then(handler, subs[topic_for(service)][type_])
    for service, handlers in link_payers.HANDLERS.items():         # mail to payment-link payers
        for type_, handler in handlers.items():
            subs[topic_for(service)][type_] = _then(handler, subs[topic_for(service)][type_])
    for service, handlers in staff_mail.HANDLERS.items():          # who the staff are
        for type_, handler in handlers.items():
            subs[topic_for(service)][type_] = _then(handler, subs[topic_for(service)][type_])
    for service, handlers in unsubscribes.HANDLERS.items():        # first: reads the notify it replaces
        for type_, handler in handlers.items():
            subs[topic_for(service)][type_] = _then(handler, subs[topic_for(service)][type_])
    return subs
