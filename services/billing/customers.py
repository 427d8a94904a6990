"""billing's copy of the customers' names and billing e-mails, fed by identity's
CustomerCreated events, so a PDF or a console page names the customer without a call.
A customer billing has not heard of yet is shown by id (events arrive within a second)."""
from __future__ import annotations

from sqlalchemy import Column, String, Table, select

from services.billing.projections import metadata
from services.chassis.db import upsert_insert
from services.chassis.events import Event

known_customers = Table(
    "known_customers", metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320)),
)


def on_customer_created(event: Event, uow) -> None:
    d = event.data
    uow.conn.execute(upsert_insert(uow.conn, known_customers).values(customer_id=d["customer_id"], org_id=event.org_id,
                                                    name=d["name"], email=d.get("email"))
                     .on_conflict_do_nothing(index_elements=["customer_id"]))


def names(conn, org_id: str, customer_ids) -> dict[str, str]:
    rows = conn.execute(select(known_customers.c.customer_id, known_customers.c.name).where(
        known_customers.c.org_id == org_id, known_customers.c.customer_id.in_(list(customer_ids)))).all()
    return {r.customer_id: r.name for r in rows}
