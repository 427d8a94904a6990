"""Sales orders and deliveries in a real browser on `make up`'s stack: staff add a shipment to
the demo customer's newest order and post a delivery status the carrier reported; the contact
opens the order and sees its shipment with the carrier's link and the timeline, and finds it
among their deliveries, at desktop and at phone width."""
from __future__ import annotations

import pytest

from tests.e2e.shots import shoot
from tests.e2e.stack import Stack, get, post
from tests.e2e.test_front_door import STAFF, enrol
from tests.e2e.test_payments import BUYER, sign_in


@pytest.mark.slow
def test_staff_ship_an_order_and_the_contact_follows_it(tmp_path, browser):
    stack = Stack(tmp_path / "var")
    stack.start()
    base = f"http://localhost:{stack.gateway}"
    try:
        staff = browser.new_context().new_page()
        sign_in(staff, base, "/console/signin", STAFF)
        enrol(staff, [])
        staff.goto(base + "/console/sales-orders")
        staff.get_by_role("link", name="SO-000003").click()
        form = staff.get_by_role("form", name="Add a shipment")
        form.get_by_label("Carrier").fill("UPS")
        form.get_by_label("Tracking number").fill("1Z999AA10123456784")
        form.get_by_label("Tracking link (optional)").fill("https://www.ups.com/track?tracknum=1Z999AA10123456784")
        form.get_by_role("button", name="Add the shipment").click()
        assert "Shipment added" in staff.content()
        staff.get_by_text("Post a delivery status for 1Z999AA10123456784").click()
        staff.get_by_label("New status").select_option("in_transit")
        staff.get_by_label("Where (optional)").fill("Köln hub")
        staff.get_by_role("button", name="Record the status").click()
        assert "Delivery status recorded." in staff.content()
        shoot(staff, "console-order")

        buyer = browser.new_context().new_page()
        sign_in(buyer, base, "/signin", BUYER)
        assert "open orders" in buyer.locator("main").inner_text()
        buyer.goto(base + "/sales-orders")
        shoot(buyer, "portal-orders", phone=True)
        buyer.get_by_role("link", name="SO-000003").click()
        main = buyer.locator("main").inner_text()
        assert "Price label printers" in main and "Shipped" in main and "€774.00" in main
        card = buyer.locator("article.shipment")
        assert card.get_by_role("link", name="1Z999AA10123456784").get_attribute("href").startswith(
            "https://www.ups.com/track")
        steps = [s.split(" · ")[1] for s in card.locator("ol.timeline li").all_inner_texts()]
        assert steps == ["Dispatched", "In transit"] and "Köln hub" in card.inner_text()
        assert card.locator("[data-shipment-status]").inner_text().strip() == "In transit"
        shoot(buyer, "portal-order", phone=True)
        buyer.goto(base + "/deliveries")
        rows = buyer.locator("table tbody tr").all_inner_texts()
        assert any("SO-000003" in r and "In transit" in r for r in rows)
        assert any("SO-000001" in r and "Delivered" in r for r in rows)
        shoot(buyer, "portal-deliveries", phone=True)

        # the contact keeps the order open; the carrier reports the next stage: it appears
        # on the open page without a reload (gateway/live, topic deliveries:<customer>)
        buyer.goto(base + "/sales-orders")
        buyer.get_by_role("link", name="SO-000003").click()
        buyer.locator("[data-live-deliveries][data-live=on]").wait_for()       # following its shipments
        marker = buyer.evaluate("() => { window.notReloaded = true; return true; }")
        staff.get_by_text("Post a delivery status for 1Z999AA10123456784").click()
        staff.get_by_label("New status").select_option("out_for_delivery")
        staff.get_by_role("button", name="Record the status").click()
        assert "Delivery status recorded." in staff.content()
        badge = buyer.locator("article.shipment [data-shipment-status]")
        badge.filter(has_text="Out for delivery").wait_for(timeout=15000)
        assert marker and buyer.evaluate("() => window.notReloaded === true")

        # the ERP bills the order: billing's InvoiceIssued names it, orders marks it invoiced
        # through the broker, and the order's page lists the invoice, linked
        op = stack.operator()
        _, org = get(stack.url("identity") + "/orgs/by-host/localhost")
        order_id = buyer.url.rstrip("/").rsplit("/", 1)[1]
        order = get(stack.url("orders") + f"/orgs/{org['org_id']}/sales-orders/{order_id}", op)[1]
        status, invoice = post(stack.url("billing") + f"/orgs/{org['org_id']}/invoices", {
            "customer_id": order["customer_id"], "currency": "EUR", "issue": True, "sales_order_id": order_id,
            "lines": [{"description": "Price label printers", "quantity": "1", "unit_price_minor": 77400,
                       "tax_rate": "0"}]}, op)
        assert status == 201
        for _ in range(50):
            buyer.reload()
            if "Invoiced" in buyer.locator("h1").inner_text():
                break
            buyer.wait_for_timeout(200)
        link = buyer.get_by_role("link", name=invoice["number"])
        assert link.get_attribute("href") == f"/invoices/{invoice['invoice_id']}"
        link.click()
        assert invoice["number"] in buyer.locator("h1").inner_text()
    finally:
        stack.stop()
