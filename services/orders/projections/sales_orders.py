"""The sales orders' read model, kept in step with their events in the append's transaction.

`sales_orders` is what every list and detail page reads. Keyset pages need non-null sort
keys: `ordered_on` (a date) and the id break ties; `number_key` is the lower-cased number
(search and uniqueness are case-insensitive). `invoice_ids` are billing's invoices raised
for the order, as billing told us.
"""
from sqlalchemy import JSON, BigInteger, Column, Index, String, Table, Text, update

from services.chassis.db import upsert_insert
from services.chassis.projections import Projection
from services.orders.domain.sales_order import number_sequence
from services.orders.tables import metadata

sales_orders = Table(
    "sales_orders", metadata,
    Column("sales_order_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("number", String(40), nullable=False),
    Column("number_key", String(40), nullable=False),
    Column("number_seq", BigInteger),
    Column("status", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("subtotal_minor", BigInteger, nullable=False),
    Column("tax_minor", BigInteger, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("lines", JSON, nullable=False),
    Column("ordered_on", String(10), nullable=False),
    Column("notes", Text),
    Column("external_ref", String(200)),
    Column("invoice_ids", JSON, nullable=False),
    Column("cancel_reason", Text),
    Column("placed_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Index("uq_sales_orders_number", "org_id", "number_key", unique=True),
    Index("uq_sales_orders_external_ref", "org_id", "external_ref", unique=True),
    Index("ix_sales_orders_seq", "org_id", "number_seq"),
    # a customer's list (and the org's), newest first, the id breaking ties
    Index("ix_sales_orders_customer", "org_id", "customer_id", "ordered_on", "sales_order_id"),
    Index("ix_sales_orders_customer_status", "org_id", "customer_id", "status", "ordered_on", "sales_order_id"),
    Index("ix_sales_orders_org", "org_id", "ordered_on", "sales_order_id"),
)


def _content(d: dict) -> dict:
    return {"status": d["status"], "lines": d["lines"], "subtotal_minor": d["subtotal_minor"],
            "tax_minor": d["tax_minor"], "total_minor": d["total_minor"], "ordered_on": d["ordered_on"],
            "notes": d["notes"]}


class SalesOrderList(Projection):
    tables = (sales_orders,)

    def when_SalesOrderPlaced(self, conn, e):
        d = e.data
        conn.execute(upsert_insert(conn, sales_orders).values(
            sales_order_id=d["sales_order_id"], org_id=e.org_id, customer_id=d["customer_id"], number=d["number"],
            number_key=d["number"].lower(), number_seq=number_sequence(d["number"]), currency=d["currency"],
            external_ref=d["external_ref"], invoice_ids=[], placed_at=e.occurred_at, updated_at=e.occurred_at,
            **_content(d)).on_conflict_do_nothing(index_elements=["sales_order_id"]))

    def when_SalesOrderUpdated(self, conn, e):
        d = e.data
        values = {**_content(d), "updated_at": e.occurred_at}
        if d.get("invoice_id"):
            row = conn.execute(sales_orders.select().where(
                sales_orders.c.sales_order_id == d["sales_order_id"])).first()
            values["invoice_ids"] = [*row.invoice_ids, d["invoice_id"]]
        conn.execute(update(sales_orders).where(sales_orders.c.sales_order_id == d["sales_order_id"]).values(**values))

    def when_SalesOrderCancelled(self, conn, e):
        conn.execute(update(sales_orders).where(sales_orders.c.sales_order_id == e.data["sales_order_id"])
                     .values(status="cancelled", cancel_reason=e.data["reason"], updated_at=e.occurred_at))
