"""Reads for the service request pages, straight from the read model: lists (the customer's
and the org's, latest news first, keyset pages) and one request with its conversation. Every
read is scoped to the caller (auth.scoped): another org's request, or for a contact another
customer's, is a 404."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from services.chassis import auth, cursors
from services.chassis.errors import NotFound
from services.orders.domain.service_request import OPEN
from services.orders.projections.service_requests import service_request_updates, service_requests

SUMMARY = [service_requests.c[name] for name in (
    "service_request_id", "customer_id", "number", "subject", "status", "priority", "category", "assignee_id",
    "assignee_name", "update_count", "external_ref", "opened_at", "updated_at")]
UPDATE = [service_request_updates.c[name] for name in ("update_id", "text", "author_kind", "author_name", "posted_at")]


@dataclass(frozen=True)
class ListQuery:
    customer_id: str | None = None
    status: str | None = None               # a status, or "open" (new, in progress, waiting on the customer)
    priority: str | None = None
    assignee_id: str | None = None
    cursor: str | None = None
    limit: int = 25


def list_requests(conn, org_id: str, q: ListQuery, caller: auth.Principal) -> dict:
    c = service_requests.c
    query = auth.scoped(select(*SUMMARY).where(c.org_id == org_id), service_requests, caller)
    if q.customer_id is not None:
        query = query.where(c.customer_id == q.customer_id)
    if q.status == "open":
        query = query.where(c.status.in_(OPEN))
    elif q.status:
        query = query.where(c.status == q.status)
    if q.priority:
        query = query.where(c.priority == q.priority)
    if q.assignee_id:
        query = query.where(c.assignee_id == q.assignee_id)
    return cursors.page(conn, query, c.updated_at, c.service_request_id, "service_requests", q.cursor, q.limit,
                        dict)


def request_detail(conn, org_id: str, request_id: str, caller: auth.Principal,
                   customer_id: str | None = None) -> dict:
    c = service_requests.c
    query = auth.scoped(select(service_requests).where(c.org_id == org_id, c.service_request_id == request_id),
                        service_requests, caller)
    if customer_id is not None:
        query = query.where(c.customer_id == customer_id)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound("No such service request.")
    detail = {k: row._mapping[k] for k in row._mapping.keys() if k != "number_seq"}
    u = service_request_updates.c
    detail["updates"] = [dict(r._mapping) for r in conn.execute(
        select(*UPDATE).where(u.service_request_id == request_id, u.org_id == org_id)
        .order_by(u.posted_at, u.update_id))]
    return detail
