"""billing's copy of the customers, fed by identity's CustomerCreated and CustomerUpdated
(bootstrap.EVENT_HANDLERS), so a PDF or a console page names the customer without a call:
their names and billing e-mails (services/chassis/customers.py's table, shared in shape
with support), and what only billing's documents print under "Bill to", their billing
address lines and tax id (`customer_details`). Read by queries/customers.py."""
from __future__ import annotations

from sqlalchemy import JSON, Column, String, Table

from services.billing.tables import metadata
from services.chassis import customers
from services.chassis.db import upsert_insert

known_customers = customers.directory(metadata)
customer_details = Table(
    "customer_details", metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False, index=True),
    Column("address", JSON, nullable=False),
    Column("tax_id", String(50)),
)
_record_name = customers.recorder(known_customers)


def on_customer_created(event, uow) -> None:
    _record_name(event, uow)
    uow.conn.execute(_details(event, uow.conn).on_conflict_do_nothing(index_elements=["customer_id"]))


def on_customer_updated(event, uow) -> None:
    """A snapshot: it wins over what is kept, and stands in for a CustomerCreated not seen."""
    d = event.data
    uow.conn.execute(upsert_insert(uow.conn, known_customers).values(
        customer_id=d["customer_id"], org_id=event.org_id, name=d["name"], email=d.get("email"))
        .on_conflict_do_update(index_elements=["customer_id"], set_={"name": d["name"], "email": d.get("email")}))
    details = _details(event, uow.conn)
    uow.conn.execute(details.on_conflict_do_update(
        index_elements=["customer_id"], set_={"address": details.excluded.address, "tax_id": details.excluded.tax_id}))


def _details(event, conn):
    d = event.data
    return upsert_insert(conn, customer_details).values(
        customer_id=d["customer_id"], org_id=event.org_id, address=list(d.get("address") or []),
        tax_id=d.get("tax_id"))
