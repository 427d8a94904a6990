"""Shipments and delivery reports. Adding a shipment writes two streams in one transaction:
the new shipment (ShipmentDispatched) and its order, which moves to partially shipped or
shipped. A delivery report is applied once (the Shipment aggregate remembers each report's
`update_ref`); two identical reports at once append the same stream version, the second is
refused, runs again, and finds the first already applied.

Adding a shipment is idempotent on `external_ref` (the ERP's id for it): a second push
answers the shipment the first made (created False).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.chassis.errors import NotFound, retry_on_conflict
from services.orders.domain.commands import AddShipment, ReportDelivery
from services.orders.domain.sales_order import check_date
from services.orders.domain.shipment import Shipment
from services.orders.handlers.orders import check_ref, load_order
from services.orders.projections.shipments import shipments


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def by_external_ref(conn, org_id: str, external_ref: str | None) -> str | None:
    if external_ref is None:
        return None
    return conn.execute(select(shipments.c.shipment_id).where(
        shipments.c.org_id == org_id, shipments.c.external_ref == external_ref)).scalar()


def add_shipment(rt, cmd: AddShipment) -> tuple[str, bool]:
    """(shipment id, created)."""
    ref = check_ref(cmd.external_ref)
    expected = check_date(cmd.expected_on, "expected_on") if cmd.expected_on else None

    def run():
        with rt.store.unit_of_work() as uow:
            existing = by_external_ref(uow.conn, cmd.org_id, ref)
            if existing:
                return existing, False
            order = load_order(uow, cmd.org_id, cmd.order_id)
            order.ensure_open()
            shipment = Shipment.dispatch(cmd.org_id, order, cmd.carrier, cmd.tracking_number, cmd.tracking_url,
                                         expected, cmd.status, cmd.reported_at or now(), ref)
            order.shipped(cmd.completes_order)
            uow.add(shipment)
            uow.add(order)
            uow.commit()
            return shipment.id, True
    try:
        return retry_on_conflict(run)
    except IntegrityError:
        with rt.engine.connect() as conn:          # the same external_ref pushed twice at once
            existing = by_external_ref(conn, cmd.org_id, ref)
        if existing:
            return existing, False
        raise


def report_delivery(rt, cmd: ReportDelivery) -> bool:
    """True when the report was applied, False when it had been already."""
    ref = check_ref(cmd.update_ref, "update_ref")

    def run():
        with rt.store.unit_of_work() as uow:
            shipment = uow.load(Shipment, cmd.shipment_id, cmd.org_id)
            if not shipment.sales_order_id:             # the id of an order, not of a shipment
                raise NotFound(f"No shipment {cmd.shipment_id}.")
            applied = shipment.report(cmd.status, cmd.reported_at or now(), cmd.detail, cmd.location, ref)
            if applied:
                uow.add(shipment)
                uow.commit()
            return applied
    return retry_on_conflict(run, attempts=10)

