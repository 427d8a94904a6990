"""The service requests' read model, kept in step with their events in the append's
transaction: each request as it stands (`service_requests`: what the lists and a request's
page read) and its conversation (`service_request_updates`, oldest first).

Keyset pages need non-null sort keys: `updated_at` (the last change or update, so a request
with news comes first) and the id break ties. `number_seq` is the number's sequence for the
org's next SR-000123.
"""
from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text, update

from services.chassis.db import upsert_insert
from services.chassis.projections import Projection
from services.orders.domain.service_request import number_sequence
from services.orders.tables import metadata

service_requests = Table(
    "service_requests", metadata,
    Column("service_request_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("number", String(40), nullable=False),
    Column("number_seq", BigInteger),
    Column("subject", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("status", String(30), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("category", String(100)),
    Column("assignee_id", String(64)),
    Column("assignee_name", String(200)),
    Column("opened_by_kind", String(20), nullable=False),
    Column("opened_by_id", String(64)),
    Column("external_ref", String(200)),
    Column("update_count", Integer, nullable=False),
    Column("opened_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Index("uq_service_requests_number", "org_id", "number", unique=True),
    Index("uq_service_requests_external_ref", "org_id", "external_ref", unique=True),
    Index("ix_service_requests_seq", "org_id", "number_seq"),
    # a customer's list (and the org's), latest news first, the id breaking ties
    Index("ix_service_requests_customer", "org_id", "customer_id", "updated_at", "service_request_id"),
    Index("ix_service_requests_customer_status", "org_id", "customer_id", "status", "updated_at",
          "service_request_id"),
    Index("ix_service_requests_org", "org_id", "updated_at", "service_request_id"),
    Index("ix_service_requests_org_status", "org_id", "status", "updated_at", "service_request_id"),
)

service_request_updates = Table(
    "service_request_updates", metadata,
    Column("update_id", String(64), primary_key=True),
    Column("service_request_id", String(64), nullable=False),
    Column("org_id", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("author_kind", String(20), nullable=False),
    Column("author_name", String(200)),
    Column("posted_at", String(40), nullable=False),
    Index("ix_service_request_updates_request", "service_request_id", "posted_at"),
)


class ServiceRequestList(Projection):
    tables = (service_requests, service_request_updates)

    def when_ServiceRequestOpened(self, conn, e):
        d = e.data
        conn.execute(upsert_insert(conn, service_requests).values(
            service_request_id=d["service_request_id"], org_id=e.org_id, customer_id=d["customer_id"],
            number=d["number"], number_seq=number_sequence(d["number"]), subject=d["subject"],
            description=d["description"], status=d["status"], priority=d["priority"], category=d["category"],
            opened_by_kind=d["opened_by_kind"], opened_by_id=d["opened_by_id"], external_ref=d["external_ref"],
            update_count=0, opened_at=e.occurred_at, updated_at=e.occurred_at,
        ).on_conflict_do_nothing(index_elements=["service_request_id"]))

    def when_ServiceRequestUpdated(self, conn, e):
        d = e.data
        c = service_requests.c
        values = {"status": d["status"], "priority": d["priority"], "assignee_id": d["assignee_id"],
                  "assignee_name": d["assignee_name"], "updated_at": e.occurred_at}
        if d["update_id"]:
            conn.execute(upsert_insert(conn, service_request_updates).values(
                update_id=d["update_id"], service_request_id=d["service_request_id"], org_id=e.org_id,
                text=d["text"], author_kind=d["author_kind"], author_name=d["author_name"],
                posted_at=e.occurred_at).on_conflict_do_nothing(index_elements=["update_id"]))
            values["update_count"] = c.update_count + 1
        conn.execute(update(service_requests).where(c.service_request_id == d["service_request_id"]).values(**values))
