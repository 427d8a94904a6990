"""The portal's sales orders and deliveries, the console's order pages and /api/v1's orders,
against the real orders service in process: what a contact sees (lines, money, taxes,
shipments with their timeline and carrier link), what staff do (place an order, add a
shipment, post a delivery status), and what nobody else sees."""
from __future__ import annotations

import html as htmllib
import re

import pytest

from gateway.live import grants
from contracts.catalogue import validate_data
from tests.integration.gateway import billing_backend, orders_backend
from tests.integration.gateway.conftest import HOST, Browser, World, make_app, text
from tests.integration.gateway.fake_api_keys import FakeApiKeys
from tests.helpers.tokens import bearer

MODULES = ["invoices", "sales_orders", "deliveries"]


class SigningKeys(FakeApiKeys):
    """The fake identity's API keys, exchanged for an internal token signed as identity signs
    one (kind api_key, the key's scopes as modules), so that the real orders service takes it."""

    def _exchange(self, body, org):
        grant = super()._exchange(body, org)
        grant["internal_token"] = bearer("api_key", org, id=grant["key_id"], modules=grant["scopes"],
                                         ttl_s=self.token_ttl)["Authorization"][7:]
        return grant


@pytest.fixture
def world() -> World:
    fake = SigningKeys()
    org = fake.add_org(HOST, "Acme Trading", modules=list(MODULES))
    customer = fake.add_customer(org, "Globex Ltd")
    return World(
        fake=fake, org=org, customer=customer,
        ann=fake.add_contact(org, customer, "ann@globex.test", "Ann Example", permissions=("view",)),
        bob=fake.add_contact(org, customer, "bob@globex.test", "Bob Example", permissions=("view",), mfa=True),
        sam=fake.add_staff(org, "sam@acme.test", "Sam Owner", role="owner"),
        ada=fake.add_staff(org, "ada@acme.test", "Ada Agent", role="agent"),
    )


@pytest.fixture
def app(world):
    app = make_app(world.fake)
    world.fake.serve(app)
    return app


def signed_in(app, login, fake=None) -> Browser:
    browser = Browser(app)
    browser.sign_in(login, fake=fake)
    return browser


def ids(world) -> tuple[str, str]:
    return world.org["org_id"], world.customer["customer_id"]


def test_the_contact_sees_an_order_with_lines_money_taxes_and_a_shipment_timeline(world, app):
    org, customer = ids(world)
    order = orders_backend.place(org, customer, notes="Leave at the back door")
    shipment = orders_backend.ship(org, order["sales_order_id"], completes_order=False)
    orders_backend.report(org, shipment["shipment_id"], "delivered", "2026-12-02T10:00:00Z")
    orders_backend.report(org, shipment["shipment_id"], "in_transit", "2026-12-02T09:00:00Z", location="Leipzig")
    ann = signed_in(app, world.ann)
    listed = ann.get("/sales-orders")
    assert listed.status_code == 200 and order["number"] in text(listed) and "€1,071.00" in text(listed)
    page = ann.get(f"/sales-orders/{order['sales_order_id']}")
    shown = text(page)
    assert "Oak desk" in shown and "€450.00" in shown and "Tax 19 % €171.00" in shown and "Total €1,071.00" in shown
    assert "Partly shipped" in shown and "Leave at the back door" in shown
    steps = [s.strip() for s in re.findall(r"UTC</time> · ([A-Za-z ]+)", page.get_data(as_text=True))]
    assert steps == ["Dispatched", "In transit", "Delivered"]
    assert 'href="https://track.example/JD014600"' in page.get_data(as_text=True)
    deliveries = ann.get("/deliveries")
    assert "JD014600" in text(deliveries) and "Delivered" in text(deliveries)


def test_an_invoice_billing_raises_for_an_order_is_linked_on_the_order(world, app):
    """An ERP pushes the order's invoice to billing naming the order; billing's InvoiceIssued
    carries it, orders marks the order invoiced, and the contact's order page lists and links
    the invoice (a contact without the invoices module is told it was billed, nothing more)."""
    org, customer = ids(world)
    order = orders_backend.place(org, customer)
    invoice = billing_backend.issue_invoice(org, customer, 107100, sales_order_id=order["sales_order_id"])
    [issued] = billing_backend.recorded("InvoiceIssued", invoice["invoice_id"])
    assert issued["sales_order_id"] == order["sales_order_id"]
    validate_data("InvoiceIssued", issued)
    orders_backend.deliver("billing", "InvoiceIssued", org, invoice["invoice_id"], issued)

    page = signed_in(app, world.ann).get(f"/sales-orders/{order['sales_order_id']}")
    shown = text(page)
    assert "Invoiced" in shown and f"{invoice['number']} " in shown and "€1,071.00" in shown
    assert f'href="/invoices/{invoice["invoice_id"]}"' in page.get_data(as_text=True)

    cy = world.fake.add_contact(world.org, world.customer, "cy@globex.test", "Cy Example")
    cy.modules = ["sales_orders", "deliveries"]                 # staff took invoices away from Cy
    without = text(signed_in(app, cy).get(f"/sales-orders/{order['sales_order_id']}"))
    assert "This order has been invoiced" in without and invoice["number"] not in without


def test_the_order_and_deliveries_pages_follow_this_customers_shipments_live(world, app):
    """Each page carries a stream (gateway/live) with a grant for this customer's deliveries
    alone; the grant renews only while the person is signed in and may see Deliveries."""
    org, customer = ids(world)
    order = orders_backend.place(org, customer)
    orders_backend.ship(org, order["sales_order_id"], completes_order=False)
    ann = signed_in(app, world.ann)
    for path in (f"/sales-orders/{order['sales_order_id']}", "/deliveries"):
        html = ann.get(path).get_data(as_text=True)
        token = re.search(r'data-stream-url="[^"]*/live/stream\?grant=([^"]+)"', html).group(1)
        grant = grants.check(app.config["SECRET_KEY"], htmllib.unescape(token), max_age=60)
        assert (grant.org, grant.side, grant.topics) == (org, "contact", (f"deliveries:{customer}",))
    renewed = ann.get("/deliveries/live")
    assert renewed.status_code == 200 and "/live/stream?grant=" in renewed.get_json()["stream_url"]
    assert Browser(app).get("/deliveries/live").status_code in (302, 401)     # signed out: no grant


def test_filters_and_pages_of_the_order_list(world, app):
    org, customer = ids(world)
    made = [orders_backend.place(org, customer, ordered_on=f"2026-10-{d:02d}", number=f"PO-{d:02d}")["number"]
            for d in range(1, 29)]
    ann = signed_in(app, world.ann)
    first = ann.get("/sales-orders")
    shown = re.findall(r">(PO-\d+)</a>", first.get_data(as_text=True))
    assert shown == list(reversed(made))[:25]
    next_url = re.search(r'href="([^"]+)" rel="next"', first.get_data(as_text=True)).group(1).replace("&amp;", "&")
    assert re.findall(r">(PO-\d+)</a>", ann.get(next_url).get_data(as_text=True)) == ["PO-03", "PO-02", "PO-01"]
    found = ann.get("/sales-orders?number=po-07")
    assert re.findall(r">(PO-\d+)</a>", found.get_data(as_text=True)) == ["PO-07"]
    window = ann.get("/sales-orders?from=2026-10-10&to=2026-10-11")
    assert re.findall(r">(PO-\d+)</a>", window.get_data(as_text=True)) == ["PO-11", "PO-10"]
    upside = ann.get("/sales-orders?from=2026-10-11&to=2026-10-01")
    assert upside.status_code == 200 and "The end date is before the start date." in text(upside)


def test_another_customers_order_is_not_found_and_never_shown(world, app):
    org, _ = ids(world)
    other = world.fake.add_customer(world.org, "Initech")
    theirs = orders_backend.place(org, other["customer_id"], number="SECRET-1")
    orders_backend.ship(org, theirs["sales_order_id"], tracking_number="HIDDEN-77")
    ann = signed_in(app, world.ann)
    assert ann.get(f"/sales-orders/{theirs['sales_order_id']}").status_code == 404
    assert "SECRET-1" not in text(ann.get("/sales-orders")) and "HIDDEN-77" not in text(ann.get("/deliveries"))


def test_a_module_switched_off_answers_404_and_leaves_the_home_page(world, app):
    org, customer = ids(world)
    orders_backend.place(org, customer)
    ann = signed_in(app, world.ann)
    home = text(ann.get("/"))
    assert "1 open order" in home and "0 shipments on the way" in home
    world.org["settings"]["modules"] = ["invoices"]
    app.extensions["gateway"].orgs.drop(HOST)
    app.extensions["gateway"].sessions.drop_where(lambda view: True)
    assert ann.get("/sales-orders").status_code == 404 and ann.get("/deliveries").status_code == 404
    assert "open order" not in text(ann.get("/"))


def test_staff_place_an_order_add_a_shipment_and_post_a_status(world, app):
    org, customer = ids(world)
    sam = signed_in(app, world.sam, world.fake)
    made = sam.submit("/console/sales-orders/new", {
        "customer_id": customer, "currency": "EUR", "lines-0-description": "Chair", "lines-0-quantity": "4",
        "lines-0-unit_price": "80.00", "lines-0-tax_rate": "19"})
    assert made.status_code == 302
    order = orders_backend.staff_orders(org)[0]
    assert order["total_minor"] == 38080 and made.headers["Location"].endswith(order["sales_order_id"])
    page = f"/console/sales-orders/{order['sales_order_id']}"
    sam.get(page)
    added = sam.send(f"{page}/shipments", {"carrier": "UPS", "tracking_number": "1Z999", "status": "dispatched",
                                           "tracking_url": "https://ups.example/1Z999", "completes_order": "y"})
    assert added.status_code == 302
    shipment = orders_backend.staff_order(org, order["sales_order_id"])["shipments"][0]
    sam.get(page)
    prefix = f"d-{shipment['shipment_id']}"
    posted = sam.send(f"{page}/shipments/{shipment['shipment_id']}/status",
                      {f"{prefix}-status": "out_for_delivery", f"{prefix}-location": "Berlin"})
    assert posted.status_code == 302
    now = orders_backend.staff_order(org, order["sales_order_id"])
    assert now["status"] == "shipped" and now["shipments"][0]["status"] == "out_for_delivery"
    shown = text(sam.get(page))
    assert "Out for delivery" in shown and "Berlin" in shown and "Delivery status recorded." in shown


def test_a_bad_order_is_said_at_its_field_and_nothing_is_placed(world, app):
    org, customer = ids(world)
    sam = signed_in(app, world.sam, world.fake)
    refused = sam.submit("/console/sales-orders/new", {
        "customer_id": customer, "currency": "EUR", "lines-0-description": "Chair", "lines-0-quantity": "-4",
        "lines-0-unit_price": "80.00"})
    assert refused.status_code in (400, 422) and "Line 1" in text(refused)
    assert orders_backend.staff_orders(org) == []
    sam.get("/console/sales-orders")
    order = orders_backend.place(org, customer)
    page = f"/console/sales-orders/{order['sales_order_id']}"
    sam.get(page)
    back = sam.send(f"{page}/status", {"status": "shipped"})
    sam.get(page)
    again = sam.send(f"{page}/status", {"status": "partially_shipped"})
    assert back.status_code == again.status_code == 302
    assert "only moves forward" in text(sam.get(page))
    assert orders_backend.staff_order(org, order["sales_order_id"])["status"] == "shipped"


def test_the_api_pushes_orders_idempotently_and_posts_delivery_reports(world, app):
    org, customer = ids(world)
    key = world.fake.add_key(world.org, scopes=["sales_orders"])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    body = {"customer_id": customer, "currency": "EUR", "external_ref": "ERP-9", "lines": orders_backend.LINES}
    first = client.post("/api/v1/sales-orders", json=body, headers=headers, base_url=f"http://{HOST}")
    again = client.post("/api/v1/sales-orders", json=body, headers=headers, base_url=f"http://{HOST}")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["sales_order_id"] == again.get_json()["sales_order_id"]
    order_id = first.get_json()["sales_order_id"]
    shipment = client.post(f"/api/v1/sales-orders/{order_id}/shipments", json={"carrier": "DHL"}, headers=headers,
                           base_url=f"http://{HOST}").get_json()
    report = {"status": "delivered", "reported_at": "2026-12-03T10:00:00Z", "update_ref": "dhl-1"}
    for _ in range(2):
        posted = client.post(f"/api/v1/shipments/{shipment['shipment_id']}/status", json=report, headers=headers,
                             base_url=f"http://{HOST}")
        assert posted.status_code == 200 and posted.get_json()["status"] == "delivered"
    assert len(posted.get_json()["timeline"]) == 2
    bad = client.post("/api/v1/sales-orders", json={**body, "external_ref": "ERP-10", "lines": [
        {**orders_backend.LINES[0], "quantity": "-1"}]}, headers=headers, base_url=f"http://{HOST}")
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert "lines" in bad.get_json()["errors"]["json"]
    other = world.fake.add_key(world.org, scopes=["invoices"])
    refused = client.get("/api/v1/sales-orders", headers={"Authorization": f"Bearer {other}"},
                         base_url=f"http://{HOST}")
    assert refused.status_code == 403
