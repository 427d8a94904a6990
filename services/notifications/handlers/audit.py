"""Other services' events that change an org's configuration or access, into the audit log
(projections/audit.py; notifications' own such events reach it through the projection)."""
from services.chassis.events import Event
from services.notifications.projections import audit


def on_audited_event(event: Event, uow) -> None:
    audit.record(uow.conn, event)
