"""The real orders service behind the gateway's tests, in process (as billing_backend.py runs
billing): its Flask app answers the gateway's HTTP client through a requests adapter, on one
SQLite database for the test process, checking the internal tokens the fake identity signs."""
from __future__ import annotations

import tempfile
from pathlib import Path

from services.chassis import migrate
from services.chassis.config import Config
from services.orders.app import create_app
from services.orders.bootstrap import SPEC
from tests.integration.gateway.billing_backend import WsgiAdapter
from tests.helpers.tokens import bearer

_orders = {}
LINES = [{"description": "Oak desk", "quantity": "2", "unit_price_minor": 45000, "tax_rate": "19"}]


def orders_app():
    """One migrated orders app per test process (SQLite in a temporary folder)."""
    if "app" not in _orders:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='gw-orders-')) / 'orders.db'}"
        migrate.upgrade(SPEC, url)
        _orders["app"] = create_app(Config.from_env("orders", database_url=url, kafka_bootstrap="127.0.0.1:1"))
    return _orders["app"]


def mount(gateway_app) -> None:
    session = gateway_app.extensions["gateway"].services["orders"].session
    session.mount("http://", WsgiAdapter(orders_app()))


def _staff(org_id: str) -> dict:
    return bearer("staff", org_id, id="orders-staff", name="Kim Staff")


def place(org_id: str, customer_id: str, **body) -> dict:
    """A confirmed order of the customer, the way an ERP pushes one."""
    answer = orders_app().test_client().post(f"/orgs/{org_id}/sales-orders", headers=_staff(org_id),
                                             json={"customer_id": customer_id, "currency": "EUR", "lines": LINES,
                                                   **body})
    assert answer.status_code in (200, 201), answer.get_json()
    return answer.get_json()


def ship(org_id: str, order_id: str, **body) -> dict:
    answer = orders_app().test_client().post(
        f"/orgs/{org_id}/sales-orders/{order_id}/shipments", headers=_staff(org_id),
        json={"carrier": "DHL", "tracking_number": "JD014600", "tracking_url": "https://track.example/JD014600",
              "reported_at": "2026-12-01T08:00:00Z", **body})
    assert answer.status_code in (200, 201), answer.get_json()
    return answer.get_json()


def report(org_id: str, shipment_id: str, status: str, at: str, **body) -> dict:
    answer = orders_app().test_client().post(f"/orgs/{org_id}/shipments/{shipment_id}/status", headers=_staff(org_id),
                                             json={"status": status, "reported_at": at, **body})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def staff_order(org_id: str, order_id: str) -> dict:
    answer = orders_app().test_client().get(f"/orgs/{org_id}/sales-orders/{order_id}", headers=_staff(org_id))
    return answer.get_json() if answer.status_code == 200 else {"status": answer.status_code}


def staff_orders(org_id: str) -> list[dict]:
    return orders_app().test_client().get(f"/orgs/{org_id}/sales-orders", headers=_staff(org_id)).get_json()["items"]


def open_request(org_id: str, customer_id: str, **body) -> dict:
    """A service request of the customer, the way staff or an ERP opens one."""
    answer = orders_app().test_client().post(f"/orgs/{org_id}/service-requests", headers=_staff(org_id),
                                             json={"customer_id": customer_id, "subject": "Boiler check",
                                                   "description": "Yearly service.", **body})
    assert answer.status_code in (200, 201), answer.get_json()
    return answer.get_json()


# -- projects and timesheets --------------------------------------------------------------
def create_project(org_id: str, customer_id: str, **body) -> dict:
    """An active project of the customer with a task and a milestone, the way an ERP pushes one."""
    answer = orders_app().test_client().post(f"/orgs/{org_id}/projects", headers=_staff(org_id), json={
        "customer_id": customer_id, "name": "Matrix project", "status": "active", "starts_on": "2026-11-02",
        "ends_on": "2026-12-31", "tasks": [{"title": "Survey", "starts_on": "2026-11-02", "due_on": "2026-11-06",
                                            "status": "done", "assignee": "Ada L."},
                                           {"title": "Build", "starts_on": "2026-11-09", "due_on": "2026-12-18"}],
        "milestones": [{"name": "Handover", "due_on": "2026-12-31"}], **body})
    assert answer.status_code in (200, 201), answer.get_json()
    return answer.get_json()


def staff_requests(org_id: str) -> list[dict]:
    return orders_app().test_client().get(f"/orgs/{org_id}/service-requests",
                                          headers=_staff(org_id)).get_json()["items"]


def staff_request(org_id: str, request_id: str) -> dict:
    answer = orders_app().test_client().get(f"/orgs/{org_id}/service-requests/{request_id}", headers=_staff(org_id))
    return answer.get_json() if answer.status_code == 200 else {"status": answer.status_code}


def staff_project(org_id: str, project_id: str) -> dict:
    answer = orders_app().test_client().get(f"/orgs/{org_id}/projects/{project_id}", headers=_staff(org_id))
    return answer.get_json() if answer.status_code == 200 else {"status": answer.status_code}


def staff_projects(org_id: str) -> list[dict]:
    return orders_app().test_client().get(f"/orgs/{org_id}/projects", headers=_staff(org_id)).get_json()["items"]


def log_time(org_id: str, project_id: str, **body) -> dict:
    answer = orders_app().test_client().post(f"/orgs/{org_id}/timesheet-entries", headers=_staff(org_id), json={
        "project_id": project_id, "person": "Ada L.", "work_date": "2026-11-23", "hours": "7.5", **body})
    assert answer.status_code in (200, 201), answer.get_json()
    return answer.get_json()


def timesheet_weeks(org_id: str) -> list[dict]:
    return orders_app().test_client().get(f"/orgs/{org_id}/timesheet-weeks",
                                          headers=_staff(org_id)).get_json()["items"]


def deliver(topic_service: str, type_: str, org_id: str, aggregate_id: str, data: dict) -> None:
    """Hand another service's event to orders' consumer handlers, as the broker would (one
    transaction, the handlers bootstrap.EVENT_HANDLERS lists for it)."""
    from services.chassis.events import Event
    from contracts.catalogue import topic_for
    from services.orders.bootstrap import EVENT_HANDLERS
    event = Event(type=type_, org_id=org_id, aggregate_type="", aggregate_id=aggregate_id,
                  aggregate_version=1, data=data)
    rt = orders_app().extensions["portal"]
    with rt.store.unit_of_work() as uow:
        for handle in EVENT_HANDLERS[topic_for(topic_service)][type_]:
            handle(event, uow)
        uow.commit()
