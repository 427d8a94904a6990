"""A service's copy of the customers' names and e-mails, fed by identity's CustomerCreated
events, so its pages and documents name a customer without a call. A customer the service
has not heard of yet is shown by id (events arrive within a second).

Each service owns its table (its own migration), declared on its own metadata:

    known_customers = customers.directory(metadata)
    handler = customers.recorder(known_customers)     # for identity's CustomerCreated
"""
from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, select

from services.chassis.db import upsert_insert
from services.chassis.events import Event


def directory(metadata: MetaData) -> Table:
    return Table(
        "known_customers", metadata,
        Column("customer_id", String(64), primary_key=True),
        Column("org_id", String(64), nullable=False, index=True),
        Column("name", String(200), nullable=False),
        Column("email", String(320)),
    )


def recorder(table: Table):
    def on_customer_created(event: Event, uow) -> None:
        d = event.data
        uow.conn.execute(upsert_insert(uow.conn, table).values(
            customer_id=d["customer_id"], org_id=event.org_id, name=d["name"], email=d.get("email"))
            .on_conflict_do_nothing(index_elements=["customer_id"]))
    return on_customer_created


def names(conn, table: Table, org_id: str, customer_ids) -> dict[str, str]:
    rows = conn.execute(select(table.c.customer_id, table.c.name).where(
        table.c.org_id == org_id, table.c.customer_id.in_(list(customer_ids)))).all()
    return {r.customer_id: r.name for r in rows}
