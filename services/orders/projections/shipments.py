"""The shipments' read model: each shipment with its carrier details, its current status and
its timeline ordered by the carrier's time (what the order page and the Deliveries page show),
kept in step with ShipmentDispatched and DeliveryStatusChanged in the append's transaction.

Live updates: DeliveryStatusChanged is where a shipment's status changes. When the gateway's
live channel (topics per customer) exists, the gateway subscribes the Deliveries and order
pages to `deliveries:<customer_id>`; orders' worker feeds it from this event (see
services/orders/API.md, "Live delivery status"). Nothing is pushed from here.
"""
from sqlalchemy import JSON, Column, Index, String, Table, select, update

from services.chassis.db import upsert_insert
from services.chassis.projections import Projection
from services.orders.tables import metadata

shipments = Table(
    "shipments", metadata,
    Column("shipment_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("sales_order_id", String(64), nullable=False),
    Column("order_number", String(40), nullable=False),
    Column("carrier", String(200)),
    Column("tracking_number", String(200)),
    Column("tracking_url", String(2000)),
    Column("expected_on", String(10)),
    Column("status", String(20), nullable=False),
    Column("status_at", String(40), nullable=False),
    Column("timeline", JSON, nullable=False),
    Column("external_ref", String(200)),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Index("uq_shipments_external_ref", "org_id", "external_ref", unique=True),
    Index("ix_shipments_order", "sales_order_id", "created_at"),
    Index("ix_shipments_customer", "org_id", "customer_id", "created_at", "shipment_id"),
    Index("ix_shipments_customer_status", "org_id", "customer_id", "status", "created_at", "shipment_id"),
)


def _entry(d: dict, status: str) -> dict:
    return {"status": status, "reported_at": d["reported_at"], "detail": d.get("detail"),
            "location": d.get("location")}


class ShipmentList(Projection):
    tables = (shipments,)

    def when_ShipmentDispatched(self, conn, e):
        d = e.data
        conn.execute(upsert_insert(conn, shipments).values(
            shipment_id=d["shipment_id"], org_id=e.org_id, customer_id=d["customer_id"],
            sales_order_id=d["sales_order_id"], order_number=d["order_number"], carrier=d["carrier"],
            tracking_number=d["tracking_number"], tracking_url=d["tracking_url"], expected_on=d["expected_on"],
            status=d["status"], status_at=d["reported_at"], timeline=[_entry(d, d["status"])],
            external_ref=d["external_ref"], created_at=e.occurred_at, updated_at=e.occurred_at,
        ).on_conflict_do_nothing(index_elements=["shipment_id"]))

    def when_DeliveryStatusChanged(self, conn, e):
        d = e.data
        row = conn.execute(select(shipments.c.timeline).where(shipments.c.shipment_id == d["shipment_id"])).first()
        timeline = sorted([*row.timeline, _entry(d, d["status"])], key=lambda x: x["reported_at"])
        status_at = max(x["reported_at"] for x in timeline if x["status"] == d["current_status"])
        conn.execute(update(shipments).where(shipments.c.shipment_id == d["shipment_id"]).values(
            timeline=timeline, status=d["current_status"], status_at=status_at, updated_at=e.occurred_at))
