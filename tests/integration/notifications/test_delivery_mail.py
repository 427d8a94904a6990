"""Mail about an order's shipment, from orders' contract events, through a real SMTP listener on
SQLite and PostgreSQL: the customer's contacts who keep "orders" mail on hear when it is on its
way (carrier, tracking number and link, a link to the order's page), delivered, and when the
carrier hits a problem; once per shipment and status, however often or late the reports come."""
from __future__ import annotations

import uuid

from contracts.catalogue import validate_data
from services.chassis.events import Event
from services.notifications import bootstrap
from services.notifications.handlers import delivery_mail
from tests.integration.notifications.test_customer_mail import contact, deliver, env, inbox
from tests.integration.notifications.test_email import send_all
from tests.integration.notifications.test_forwarded_mail import parts

__all__ = ["env", "inbox"]                  # the fixtures these tests use
SHIPMENT, ORDER = "ship-1", "so-1"
ORDER_PAGE = f"https://portal.acme.test/sales-orders/{ORDER}"
TRACKING = "https://track.example/JD0146000034"


def portal(rt, org_id, modules=("invoices", "sales_orders", "deliveries")):
    settings = {"modules": list(modules), "portal_enabled": True, "mfa_required": False, "self_signup": False,
                "forward_documents": True, "bulk_payments": True, "partial_payments": True}
    deliver(rt, "identity", Event(
        type="PortalSettingsChanged", org_id=org_id, aggregate_type="Organization", aggregate_id=org_id,
        aggregate_version=2, data=validate_data("PortalSettingsChanged", {
            "org_id": org_id, "changed": ["modules"], "settings": settings})))


def contacts(rt, org_id):
    contact(rt, org_id)                                                     # orders mail on (the default)
    contact(rt, org_id, contact_id="c-2", email="quiet@bolt.test", notify={"orders": False})


def shipment_event(rt, org_id, type_, data, version, twice: bool) -> None:
    """Delivered as the consumer does; `twice`: its mail handler runs again for the same event,
    as a replay past the consumer's own dedupe would."""
    event = Event(type=type_, org_id=org_id, aggregate_type="Shipment", aggregate_id=SHIPMENT,
                  aggregate_version=version, schema_version=2, data=validate_data(type_, data))
    deliver(rt, "orders", event)
    for handler in bootstrap.EVENT_HANDLERS["portal.orders.v1"][type_] if twice else ():
        if handler.__module__ == delivery_mail.__name__:
            with rt.store.unit_of_work() as uow:
                handler(event, uow)
                uow.commit()


def dispatched(rt, org_id, status="dispatched", twice=False, **changes):
    shipment_event(rt, org_id, "ShipmentDispatched", {
        "shipment_id": SHIPMENT, "sales_order_id": ORDER, "customer_id": "cust-1", "order_number": "SO-000123",
        "carrier": "DHL", "tracking_number": "JD0146000034", "tracking_url": TRACKING, "expected_on": "2026-12-05",
        "status": status, "reported_at": "2026-12-01T08:00:00Z", "external_ref": None, **changes}, 1, twice)


def report(rt, org_id, status, current, at, version, detail=None, twice=False):
    shipment_event(rt, org_id, "DeliveryStatusChanged", {
        "shipment_id": SHIPMENT, "sales_order_id": ORDER, "customer_id": "cust-1", "status": status,
        "reported_at": at, "current_status": current, "detail": detail, "location": None,
        "update_ref": str(uuid.uuid4())}, version, twice)


def test_a_dispatched_shipment_mails_the_carrier_tracking_and_the_orders_page_once(env, inbox):
    rt, org_id = env
    portal(rt, org_id)
    contacts(rt, org_id)
    dispatched(rt, org_id, twice=True)
    report(rt, org_id, "in_transit", "in_transit", "2026-12-01T12:00:00Z", 2)      # still on its way
    report(rt, org_id, "dispatched", "in_transit", "2026-12-01T08:00:00Z", 3)      # late, and said before
    send_all(rt, inbox)
    [mail] = inbox.messages
    assert mail["To"] == "Sam Buyer <sam@bolt.test>" and mail["Subject"] == "Your order SO-000123 is on its way"
    text, html = parts(mail)
    assert "with DHL" in text and "Tracking number: JD0146000034" in text and "December 5, 2026" in text
    assert TRACKING in text and ORDER_PAGE in text
    assert f'<a href="{ORDER_PAGE}">' in html and f'<a href="{TRACKING}">' in html
    assert "deliveries of your orders" in text and mail["List-Unsubscribe"]     # the contact may stop them


def test_delivered_and_a_problem_are_mailed_once_each_and_late_reports_say_nothing(env, inbox):
    rt, org_id = env
    portal(rt, org_id)
    contacts(rt, org_id)
    dispatched(rt, org_id, status="packed", carrier=None, tracking_number=None, tracking_url=None, expected_on=None)
    report(rt, org_id, "exception", "exception", "2026-12-02T09:00:00Z", 2, detail="Address not found.", twice=True)
    report(rt, org_id, "delivered", "delivered", "2026-12-03T10:00:00Z", 3, detail="Left with the neighbour.")
    report(rt, org_id, "delivered", "delivered", "2026-12-03T10:05:00Z", 4)          # said again
    report(rt, org_id, "out_for_delivery", "delivered", "2026-12-03T07:00:00Z", 5)   # late: an earlier stage
    report(rt, org_id, "exception", "delivered", "2026-12-02T18:00:00Z", 6)          # late: a problem since solved
    send_all(rt, inbox)
    problem, delivered = inbox.messages
    assert problem["Subject"] == "A problem with the delivery of your order SO-000123"
    text, _ = parts(problem)
    assert "The carrier reports a problem" in text and "Address not found." in text and ORDER_PAGE in text
    assert delivered["Subject"] == "Your order SO-000123 was delivered"
    text, _ = parts(delivered)
    assert "Left with the neighbour." in text and ORDER_PAGE in text and "DHL" not in text


def test_the_portals_modules_decide_the_link_and_without_them_nobody_is_mailed(env, inbox):
    rt, org_id = env
    contacts(rt, org_id)
    dispatched(rt, org_id)                                       # the portal shows no orders (yet)
    send_all(rt, inbox)
    assert inbox.messages == []
    portal(rt, org_id, modules=("invoices", "deliveries"))
    report(rt, org_id, "delivered", "delivered", "2026-12-03T10:00:00Z", 2)
    send_all(rt, inbox)
    [mail] = inbox.messages
    assert "https://portal.acme.test/deliveries\n" in parts(mail)[0] and ORDER not in parts(mail)[0]
