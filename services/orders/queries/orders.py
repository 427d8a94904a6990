"""Reads for the sales order pages, straight from the read models: lists (the customer's and
the org's) and one order with its lines, taxes and shipments. Every read is scoped to the
caller (auth.scoped): another org's order, or for a contact another customer's, is a 404."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from services.chassis import auth
from services.chassis.errors import NotFound
from services.orders.domain.lines import tax_breakdown
from services.orders.domain.sales_order import OPEN
from services.orders.domain.shipment import ON_THE_WAY
from services.orders.projections.sales_orders import sales_orders
from services.orders.projections.shipments import shipments
from services.chassis import cursors

SUMMARY = [sales_orders.c[name] for name in (
    "sales_order_id", "customer_id", "number", "status", "currency", "subtotal_minor", "tax_minor", "total_minor",
    "ordered_on", "external_ref", "placed_at", "updated_at")]
SHIPMENT = [shipments.c[name] for name in (
    "shipment_id", "sales_order_id", "customer_id", "order_number", "carrier", "tracking_number", "tracking_url",
    "expected_on", "status", "status_at", "timeline", "external_ref", "created_at", "updated_at")]


@dataclass(frozen=True)
class ListQuery:
    customer_id: str | None = None
    status: str | None = None               # a status, or "open" (confirmed, partially shipped, shipped)
    number: str | None = None               # part of the number, any case
    ordered_from: date | None = None
    ordered_to: date | None = None
    cursor: str | None = None
    limit: int = 25


def list_orders(conn, org_id: str, q: ListQuery, caller: auth.Principal) -> dict:
    c = sales_orders.c
    query = auth.scoped(select(*SUMMARY).where(c.org_id == org_id), sales_orders, caller)
    if q.customer_id is not None:
        query = query.where(c.customer_id == q.customer_id)
    if q.status == "open":
        query = query.where(c.status.in_(OPEN))
    elif q.status:
        query = query.where(c.status == q.status)
    if q.number:
        query = query.where(c.number_key.contains(q.number.strip().lower(), autoescape=True))
    if q.ordered_from:
        query = query.where(c.ordered_on >= q.ordered_from.isoformat())
    if q.ordered_to:
        query = query.where(c.ordered_on <= q.ordered_to.isoformat())
    return cursors.page(conn, query, c.ordered_on, c.sales_order_id, "orders", q.cursor, q.limit, dict)


def order_detail(conn, org_id: str, order_id: str, caller: auth.Principal, customer_id: str | None = None) -> dict:
    c = sales_orders.c
    query = auth.scoped(select(sales_orders).where(c.org_id == org_id, c.sales_order_id == order_id),
                        sales_orders, caller)
    if customer_id is not None:
        query = query.where(c.customer_id == customer_id)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound("No such sales order.")
    detail = {k: row._mapping[k] for k in row._mapping.keys() if k not in ("number_key", "number_seq")}
    detail["taxes"] = tax_breakdown(row.lines)
    detail["shipments"] = [dict(r._mapping) for r in conn.execute(
        select(*SHIPMENT).where(shipments.c.sales_order_id == order_id, shipments.c.org_id == org_id)
        .order_by(shipments.c.created_at, shipments.c.shipment_id))]
    return detail


def list_shipments(conn, org_id: str, customer_id: str, caller: auth.Principal, status: str | None = None,
                   cursor: str | None = None, limit: int = 25) -> dict:
    """Every shipment of the customer, newest first; `status` "on_the_way": not yet delivered."""
    c = shipments.c
    query = auth.scoped(select(*SHIPMENT).where(c.org_id == org_id, c.customer_id == customer_id), shipments, caller)
    if status == "on_the_way":
        query = query.where(c.status.in_(ON_THE_WAY))
    elif status:
        query = query.where(c.status == status)
    return cursors.page(conn, query, c.created_at, c.shipment_id, "shipments", cursor, limit, dict)


def shipment_detail(conn, org_id: str, shipment_id: str, caller: auth.Principal) -> dict:
    row = conn.execute(auth.scoped(select(*SHIPMENT).where(
        shipments.c.org_id == org_id, shipments.c.shipment_id == shipment_id), shipments, caller)).first()
    if row is None:
        raise NotFound("No such shipment.")
    return dict(row._mapping)


def summary(conn, org_id: str, customer_id: str) -> dict:
    """The dashboard's figures: open orders, and shipments on the way."""
    open_orders = conn.execute(select(func.count()).select_from(sales_orders).where(
        sales_orders.c.org_id == org_id, sales_orders.c.customer_id == customer_id,
        sales_orders.c.status.in_(OPEN))).scalar()
    on_the_way = conn.execute(select(func.count()).select_from(shipments).where(
        shipments.c.org_id == org_id, shipments.c.customer_id == customer_id,
        shipments.c.status.in_(ON_THE_WAY))).scalar()
    return {"open_orders": open_orders, "shipments_on_the_way": on_the_way}
