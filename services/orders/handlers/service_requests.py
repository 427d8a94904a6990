"""Service requests: open (idempotent on the ERP's external_ref), change status, priority or
assignee, and post an update to the conversation. Each handler loads the request, calls it,
and appends its events in one transaction; a second writer on the same request is refused by
the event store (ConcurrencyConflict) and the command runs again on the fresh state.

Numbers are the org's next SR-000123. Two requests opened at once may pick the same number;
the unique index refuses the second, which then takes the one after. Opening an external_ref
that exists answers the request it made (created False), also when two pushes race.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.chassis.errors import ConcurrencyConflict, NotFound, retry_on_conflict
from services.orders.domain.commands import ChangeServiceRequest, OpenServiceRequest, PostServiceRequestUpdate
from services.orders.domain.service_request import ServiceRequest, auto_number
from services.orders.handlers.orders import ATTEMPTS, check_ref
from services.orders.projections.service_requests import service_requests


def by_external_ref(conn, org_id: str, external_ref: str | None) -> str | None:
    if external_ref is None:
        return None
    return conn.execute(select(service_requests.c.service_request_id).where(
        service_requests.c.org_id == org_id, service_requests.c.external_ref == external_ref)).scalar()


def _next_number(conn, org_id: str) -> str:
    highest = conn.execute(select(func.max(service_requests.c.number_seq))
                           .where(service_requests.c.org_id == org_id)).scalar()
    return auto_number((highest or 0) + 1)


def open_service_request(rt, cmd: OpenServiceRequest) -> tuple[str, bool]:
    """(request id, created)."""
    ref = check_ref(cmd.external_ref)
    for _ in range(ATTEMPTS):
        try:
            with rt.store.unit_of_work() as uow:
                existing = by_external_ref(uow.conn, cmd.org_id, ref)
                if existing:
                    return existing, False
                request = ServiceRequest.open(
                    cmd.org_id, cmd.customer_id, _next_number(uow.conn, cmd.org_id), cmd.subject, cmd.description,
                    cmd.priority, cmd.category, cmd.opened_by_kind, cmd.opened_by_id, ref)
                uow.add(request)
                uow.commit()
                return request.id, True
        except IntegrityError:
            # another request took the external_ref or the number between our check and write
            with rt.engine.connect() as conn:
                existing = by_external_ref(conn, cmd.org_id, ref)
            if existing:
                return existing, False
    raise ConcurrencyConflict("Could not number the service request; try again.")


def load_request(uow, org_id: str, request_id: str, customer_id: str | None = None) -> ServiceRequest:
    """The request of this org (and customer, for a contact); any other id is a 404."""
    request = uow.load(ServiceRequest, request_id, org_id)
    if not request.number or (customer_id is not None and request.customer_id != customer_id):
        raise NotFound(f"No service request {request_id}.")
    return request


def _on_request(rt, org_id: str, request_id: str, act, customer_id: str | None = None):
    def run():
        with rt.store.unit_of_work() as uow:
            request = load_request(uow, org_id, request_id, customer_id)
            result = act(request)
            if request.pending:
                uow.add(request)
                uow.commit()
            return result
    return retry_on_conflict(run)


def change_service_request(rt, cmd: ChangeServiceRequest) -> list[str]:
    return _on_request(rt, cmd.org_id, cmd.service_request_id, lambda request: request.change(cmd.changes))


def post_service_request_update(rt, cmd: PostServiceRequestUpdate) -> str:
    return _on_request(rt, cmd.org_id, cmd.service_request_id,
                       lambda request: request.post_update(cmd.text, cmd.author_kind, cmd.author_name),
                       customer_id=cmd.customer_id)
