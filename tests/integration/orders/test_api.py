"""Sales orders and shipments through orders' HTTP API, on SQLite and PostgreSQL: an ERP pushes
orders and shipments (idempotent on external_ref), a carrier posts delivery reports late, out
of order and twice, contacts list and read their customer's orders and never another's, and
bad input is refused naming the field with nothing stored."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.chassis.tables import events
from services.orders.app import create_app
from services.orders.bootstrap import SPEC
from services.orders.handlers.orders import on_invoice_issued
from services.chassis.events import Event
from tests.helpers.tokens import bearer

ORG, OTHER_ORG = "org-acme", "org-other"
LINES = [{"description": "Widgets", "quantity": "3", "unit_price_minor": 2500, "tax_rate": "19"}]


class Orders:
    def __init__(self, rt):
        self.rt, self.app = rt, create_app(rt.config)
        self.client = self.app.test_client()
        self.erp = bearer("api_key", ORG, id="key-1", modules=("sales_orders",), ttl_s=3600)

    def contact(self, customer_id="cust-1", modules=("sales_orders", "deliveries"), org_id=ORG):
        return bearer("contact", org_id, id=f"contact-{customer_id}", customer_id=customer_id,
                      permissions=("view",), modules=modules, ttl_s=3600)

    def place(self, expect=201, **body):
        answer = self.client.post(f"/orgs/{ORG}/sales-orders", headers=self.erp,
                                  json={"customer_id": "cust-1", "currency": "EUR", "lines": LINES, **body})
        assert answer.status_code == expect, answer.get_json()
        return answer.get_json()

    def ship(self, order_id, expect=201, **body):
        answer = self.client.post(f"/orgs/{ORG}/sales-orders/{order_id}/shipments", headers=self.erp,
                                  json={"carrier": "DHL", "tracking_number": "JD01",
                                        "tracking_url": "https://track.example/JD01",
                                        "reported_at": "2026-12-01T08:00:00Z", **body})
        assert answer.status_code == expect, answer.get_json()
        return answer.get_json()

    def report(self, shipment_id, status, at, **body):
        return self.client.post(f"/orgs/{ORG}/shipments/{shipment_id}/status", headers=self.erp,
                                json={"status": status, "reported_at": at, **body})

    def mine(self, path="", customer_id="cust-1", **kwargs):
        return self.client.get(f"/orgs/{ORG}/customers/{customer_id}/sales-orders{path}",
                               headers=kwargs.pop("headers", None) or self.contact(customer_id), **kwargs)

    def count(self, type_=None) -> int:
        with self.rt.engine.connect() as conn:
            query = select(func.count()).select_from(events)
            return conn.execute(query.where(events.c.type == type_) if type_ else query).scalar()


@pytest.fixture
def orders(make_runtime, db_kind):
    return Orders(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


def test_an_erp_places_an_order_and_the_contact_sees_it_with_lines_and_taxes(orders):
    placed = orders.place(external_ref="ERP-1", notes="Ring twice", ordered_on="2026-12-01")
    assert (placed["number"], placed["status"], placed["total_minor"], placed["tax_minor"]) == (
        "SO-000001", "confirmed", 8925, 1425)
    seen = orders.mine(f"/{placed['sales_order_id']}").get_json()
    assert seen["lines"][0]["description"] == "Widgets" and seen["taxes"] == [
        {"rate": "19", "taxable_minor": 7500, "tax_minor": 1425}]
    assert orders.place()["number"] == "SO-000002"
    assert orders.count("SalesOrderPlaced") == 2


def test_pushing_the_same_external_ref_twice_makes_one_order(orders):
    first = orders.place(external_ref="ERP-7")
    again = orders.place(expect=200, external_ref="ERP-7", lines=[{**LINES[0], "quantity": "99"}])
    assert again["sales_order_id"] == first["sales_order_id"] and again["total_minor"] == 8925
    assert orders.count("SalesOrderPlaced") == 1


def test_a_given_number_that_is_taken_answers_409(orders):
    orders.place(number="A-100")
    taken = orders.client.post(f"/orgs/{ORG}/sales-orders", headers=orders.erp,
                               json={"customer_id": "cust-1", "currency": "EUR", "lines": LINES, "number": "a-100"})
    assert taken.status_code == 409 and taken.get_json()["errors"] == {"json": {"number": [taken.get_json()["detail"]]}}


def test_shipments_move_the_order_and_late_reports_land_in_their_place(orders):
    order = orders.place()
    first = orders.ship(order["sales_order_id"], completes_order=False, external_ref="SHIP-1")
    assert orders.mine(f"/{order['sales_order_id']}").get_json()["status"] == "partially_shipped"
    sid = first["shipment_id"]
    assert orders.report(sid, "delivered", "2026-12-02T10:00:00Z", update_ref="c-2").status_code == 200
    late = orders.report(sid, "in_transit", "2026-12-02T09:00:00+00:00", update_ref="c-1", location="Leipzig")
    assert late.status_code == 200 and late.get_json()["status"] == "delivered"
    again = orders.report(sid, "in_transit", "2026-12-02T09:00:00Z", update_ref="c-1")
    assert again.status_code == 200 and orders.count("DeliveryStatusChanged") == 2
    shown = orders.mine(f"/{order['sales_order_id']}").get_json()["shipments"][0]
    assert [(s["status"], s["reported_at"][11:16]) for s in shown["timeline"]] == [
        ("dispatched", "08:00"), ("in_transit", "09:00"), ("delivered", "10:00")]
    assert shown["status"] == "delivered" and shown["tracking_url"] == "https://track.example/JD01"
    assert orders.ship(order["sales_order_id"], expect=200, external_ref="SHIP-1")["shipment_id"] == sid
    orders.ship(order["sales_order_id"], external_ref="SHIP-2")
    assert orders.mine(f"/{order['sales_order_id']}").get_json()["status"] == "shipped"


def test_the_customer_lists_by_status_dates_and_number_on_keyset_pages(orders):
    made = [orders.place(ordered_on=f"2026-11-{day:02d}", number=f"SO-{day:03d}")["sales_order_id"]
            for day in range(1, 8)]
    orders.client.post(f"/orgs/{ORG}/sales-orders/{made[0]}/cancel", headers=orders.erp, json={"reason": "x"})
    first = orders.mine(query_string={"limit": 3}).get_json()
    second = orders.mine(query_string={"limit": 3, "cursor": first["next_cursor"]}).get_json()
    third = orders.mine(query_string={"limit": 3, "cursor": second["next_cursor"]}).get_json()
    listed = [o["sales_order_id"] for page in (first, second, third) for o in page["items"]]
    assert listed == made[::-1] and third["next_cursor"] is None
    assert [o["number"] for o in orders.mine(query_string={"status": "cancelled"}).get_json()["items"]] == ["SO-001"]
    assert len(orders.mine(query_string={"status": "open"}).get_json()["items"]) == 6
    window = orders.mine(query_string={"ordered_from": "2026-11-03", "ordered_to": "2026-11-04"}).get_json()
    assert [o["number"] for o in window["items"]] == ["SO-004", "SO-003"]
    assert [o["number"] for o in orders.mine(query_string={"number": "o-005"}).get_json()["items"]] == ["SO-005"]


def test_another_customers_or_orgs_order_and_shipment_are_not_found(orders):
    order = orders.place()
    shipment = orders.ship(order["sales_order_id"])
    oid = order["sales_order_id"]
    assert orders.mine(f"/{oid}", customer_id="cust-2").status_code == 404           # another customer's contact
    assert orders.mine(f"/{oid}", headers=orders.contact("cust-2"), customer_id="cust-1").status_code == 404
    other_org = bearer("staff", OTHER_ORG, id="s", ttl_s=600)
    assert orders.client.get(f"/orgs/{OTHER_ORG}/sales-orders/{oid}", headers=other_org).status_code == 404
    assert orders.client.get(f"/orgs/{OTHER_ORG}/shipments/{shipment['shipment_id']}",
                             headers=other_org).status_code == 404
    assert orders.client.post(f"/orgs/{OTHER_ORG}/shipments/{shipment['shipment_id']}/status", headers=other_org,
                              json={"status": "delivered"}).status_code == 404
    assert orders.report(oid, "delivered", "2026-12-02T10:00:00Z").status_code == 404     # an order id, not a shipment
    theirs = orders.client.get(f"/orgs/{ORG}/customers/cust-2/shipments", headers=orders.contact("cust-2"))
    assert theirs.status_code == 200 and theirs.get_json()["items"] == []
    mine = orders.client.get(f"/orgs/{ORG}/customers/cust-1/shipments", headers=orders.contact())
    assert [s["shipment_id"] for s in mine.get_json()["items"]] == [shipment["shipment_id"]]


def test_a_module_the_contact_lacks_answers_404(orders):
    order = orders.place()
    no_orders = orders.contact(modules=("deliveries",))
    assert orders.mine(f"/{order['sales_order_id']}", headers=no_orders).status_code == 404
    no_deliveries = orders.contact(modules=("sales_orders",))
    assert orders.client.get(f"/orgs/{ORG}/customers/cust-1/shipments", headers=no_deliveries).status_code == 404


@pytest.mark.parametrize("change, field", [
    ({"lines": [{**LINES[0], "quantity": "-2"}]}, "lines"),
    ({"lines": [{**LINES[0], "tax_rate": "abc"}]}, "lines"),
    ({"currency": "euro"}, "currency"),
    ({"notes": "x" * 600_000}, "notes"),
    ({"ordered_on": "2026-13-40"}, "ordered_on"),
    ({"lines": []}, "lines"),
])
def test_bad_orders_are_refused_naming_the_field_and_nothing_is_stored(orders, change, field):
    answer = orders.client.post(f"/orgs/{ORG}/sales-orders", headers=orders.erp,
                                json={"customer_id": "cust-1", "currency": "EUR", "lines": LINES, **change})
    body = answer.get_json()
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json", body
    assert field in body["errors"]["json"], body
    assert orders.count() == 0


def test_a_ten_megabyte_description_is_refused_whole(orders):
    answer = orders.client.post(f"/orgs/{ORG}/sales-orders", headers=orders.erp,
                                json={"customer_id": "cust-1", "currency": "EUR", "lines": LINES,
                                      "notes": "x" * 10_000_000})
    assert answer.status_code == 413 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["errors"] == {"json": {"notes": ["Too long: a request may carry at most 1 MiB."]}}
    assert orders.count() == 0


@pytest.mark.parametrize("body, field", [
    ({"status": "teleported", "reported_at": "2026-12-02T09:00:00Z"}, "status"),
    ({"status": "delivered", "reported_at": "2026-12-02T09:00:00"}, "reported_at"),
    ({"status": "delivered", "detail": "y" * 3000}, "detail"),
])
def test_bad_delivery_reports_are_refused_and_change_nothing(orders, body, field):
    shipment = orders.ship(orders.place()["sales_order_id"])
    before = orders.count()
    answer = orders.client.post(f"/orgs/{ORG}/shipments/{shipment['shipment_id']}/status", headers=orders.erp, json=body)
    assert answer.status_code == 422 and field in answer.get_json()["errors"]["json"], answer.get_json()
    assert orders.count() == before


def test_dates_upside_down_and_a_backward_status_are_refused(orders):
    upside = orders.mine(query_string={"ordered_from": "2026-12-10", "ordered_to": "2026-12-01"})
    assert upside.status_code == 422 and "ordered_to" in upside.get_json()["errors"]["query"]
    order = orders.place()
    path = f"/orgs/{ORG}/sales-orders/{order['sales_order_id']}"
    assert orders.client.patch(path, headers=orders.erp, json={"status": "shipped"}).status_code == 200
    back = orders.client.patch(path, headers=orders.erp, json={"status": "confirmed"})
    assert back.status_code == 422 and back.get_json()["errors"] == {"json": {"status": [back.get_json()["detail"]]}}
    assert orders.client.get(path, headers=orders.erp).get_json()["status"] == "shipped"


def test_an_api_key_without_the_scope_is_refused(orders):
    other = bearer("api_key", ORG, id="key-2", modules=("invoices",), ttl_s=600)
    refused = orders.client.post(f"/orgs/{ORG}/sales-orders", headers=other,
                                 json={"customer_id": "cust-1", "currency": "EUR", "lines": LINES})
    assert refused.status_code == 403 and orders.count() == 0


def test_an_invoice_naming_the_order_marks_it_invoiced_once(orders):
    order = orders.place()
    issued = Event(type="InvoiceIssued", org_id=ORG, aggregate_type="Invoice", aggregate_id="inv-1",
                   aggregate_version=1, data={"invoice_id": "inv-1", "sales_order_id": order["sales_order_id"]})
    for _ in range(2):
        with orders.rt.store.unit_of_work() as uow:
            on_invoice_issued(issued, uow)
            uow.commit()
    seen = orders.mine(f"/{order['sales_order_id']}").get_json()
    assert seen["status"] == "invoiced" and seen["invoice_ids"] == ["inv-1"]
    foreign = Event(type="InvoiceIssued", org_id=OTHER_ORG, aggregate_type="Invoice", aggregate_id="inv-2",
                    aggregate_version=1, data={"invoice_id": "inv-2", "sales_order_id": order["sales_order_id"]})
    with orders.rt.store.unit_of_work() as uow:
        on_invoice_issued(foreign, uow)
        uow.commit()
    assert orders.mine(f"/{order['sales_order_id']}").get_json()["invoice_ids"] == ["inv-1"]


def test_the_summary_counts_open_orders_and_shipments_on_the_way(orders):
    first, second = orders.place(), orders.place()
    shipment = orders.ship(first["sales_order_id"], completes_order=False)
    orders.ship(second["sales_order_id"])
    orders.report(shipment["shipment_id"], "delivered", "2026-12-03T10:00:00Z")
    summary = orders.client.get(f"/orgs/{ORG}/customers/cust-1/orders-summary", headers=orders.contact()).get_json()
    assert summary == {"open_orders": 2, "shipments_on_the_way": 1}
