"""Mail to a customer's contacts about their orders' shipments (orders' ShipmentDispatched and
DeliveryStatusChanged): when a shipment is on its way, when it is delivered, and when the
carrier reports a problem. To the customer's contacts who keep "orders" mail on (their
profile's "Orders and deliveries"; the mails carry an unsubscribe link for that topic), with
the carrier, the tracking number and link when known, and a link to the order's page in the
portal (`/sales-orders/<id>`, the gateway's portal route).

- One mail per shipment, stage and contact (key `shipment:<id>:<stage>:<contact>`): a repeated
  report, or another report of the same status, mails nothing more.
- Only a report of the status the shipment now has mails (`status` = `current_status`): a late
  report of an earlier stage ("in transit" arriving after "delivered") mails nothing.
- "On its way" is the first report of dispatched, in transit or out for delivery (a shipment
  packed first may next be reported in transit); packed mails nothing.
- The portal must show the customer their orders: the link is the order's page when the
  org's portal has Sales orders, the Deliveries page when it has only Deliveries; an org whose
  portal has neither (the business keeps orders from its customers) mails nothing about them.
- What the mails name comes from ShipmentDispatched, kept in `known_shipments` (a
  DeliveryStatusChanged carries neither the order number nor the carrier). A shipment this
  service never saw dispatched (one dispatched before it kept them) mails nothing.
"""
from __future__ import annotations

import logging
from datetime import date

from babel.dates import format_date
from sqlalchemy import select

from services.chassis import orgs
from services.chassis.db import upsert_insert
from services.chassis.events import Event
from services.notifications.handlers.customer_mail import contacts_wanting, mail_contact, reader_locale
from services.notifications.i18n import mail_locale
from services.notifications.queries.links import portal_url
from services.notifications.tables import known_shipments

log = logging.getLogger(__name__)

TOPIC = "orders"
ON_THE_WAY = ("dispatched", "in_transit", "out_for_delivery")
KIND_OF_STAGE = {"dispatched": "shipment_dispatched", "delivered": "shipment_delivered",
                 "exception": "shipment_exception"}


def stage_of(status: str) -> str | None:
    """The stage a status mails about (dispatched, delivered, exception), or None."""
    return "dispatched" if status in ON_THE_WAY else status if status in KIND_OF_STAGE else None


def on_shipment_dispatched(event: Event, uow) -> None:
    d = event.data
    values = {"shipment_id": d["shipment_id"], "org_id": event.org_id, "customer_id": d["customer_id"],
              "sales_order_id": d["sales_order_id"], "order_number": d["order_number"], "carrier": d["carrier"],
              "tracking_number": d["tracking_number"], "tracking_url": d["tracking_url"],
              "expected_on": d["expected_on"]}
    uow.conn.execute(upsert_insert(uow.conn, known_shipments).values(**values).on_conflict_do_update(
        index_elements=["shipment_id"], set_={k: v for k, v in values.items() if k != "shipment_id"}))
    _mail(event, uow, d["status"], detail=None)


def on_delivery_status_changed(event: Event, uow) -> None:
    d = event.data
    if d["status"] == d["current_status"]:
        _mail(event, uow, d["status"], detail=d.get("detail"))


def _portal_page(conn, org_id: str, sales_order_id: str) -> str | None:
    modules = orgs.settings(conn, org_id).get("modules") or []
    if "sales_orders" in modules:
        return portal_url(conn, org_id, f"/sales-orders/{sales_order_id}")
    return portal_url(conn, org_id, "/deliveries") if "deliveries" in modules else None


def _day(value: str | None, language: str) -> str | None:
    return format_date(date.fromisoformat(value), format="long", locale=mail_locale(language)) if value else None


def _mail(event: Event, uow, status: str, detail: str | None) -> None:
    stage = stage_of(status)
    if stage is None:
        return
    shipment_id = event.data["shipment_id"]
    shipment = uow.conn.execute(select(known_shipments).where(
        known_shipments.c.shipment_id == shipment_id, known_shipments.c.org_id == event.org_id)).first()
    if shipment is None:
        log.info("shipment %s of org %s is %s, but was never seen dispatched: no mail", shipment_id,
                 event.org_id, status)
        return
    link = _portal_page(uow.conn, event.org_id, shipment.sales_order_id)
    if link is None:
        return
    for reader in contacts_wanting(uow.conn, event.org_id, shipment.customer_id, TOPIC):
        mail_contact(uow.conn, event.org_id, reader, KIND_OF_STAGE[stage], {
            "order_number": shipment.order_number, "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number, "tracking_link": shipment.tracking_url,
            "expected_on": _day(shipment.expected_on, reader_locale(uow.conn, event.org_id, reader)), "detail": detail, "link": link},
            f"shipment:{shipment_id}:{stage}:{reader.contact_id}")
