"""The staff console in German, French and Arabic, part B: for staff whose browser asks for
one of them (and who chose no language of their own), one page of each area (webhooks,
invitations, sales orders, service requests, API keys, e-mail templates, sent e-mail, the
dashboard, payment gateways, settings, reminders, staff, payment links) comes in that
language, with the page's `lang` and direction; no text a reader sees (text, placeholder,
title, aria-label, alt) is still an English message the catalogue translates."""
from __future__ import annotations

import pytest

from tests.integration.gateway import billing_backend, orders_backend
from tests.integration.gateway.conftest import HOST, Browser, World, make_app
from tests.integration.gateway.fake_api_keys import FakeApiKeys
from tests.helpers.languages import english_on

PAGES = ("/console", "/console/webhooks", "/console/invitations", "/console/invitations/import",
         "/console/sales-orders", "/console/sales-orders/new", "/console/service-requests", "/console/api-keys",
         "/console/email-templates", "/console/email-templates/payment_receipt/de", "/console/emails",
         "/console/payment-gateways", "/console/settings", "/console/reminders", "/console/staff")
@pytest.fixture
def world() -> World:
    """conftest's people, with an identity that also knows API keys (the keys' page)."""
    fake = FakeApiKeys()
    org = fake.add_org(HOST, "Acme Trading")
    customer = fake.add_customer(org, "Globex Ltd")
    return World(fake=fake, org=org, customer=customer,
                 ann=fake.add_contact(org, customer, "ann@globex.test", "Ann Example", permissions=("view", "pay")),
                 bob=fake.add_contact(org, customer, "bob@globex.test", "Bob Example", permissions=("view",), mfa=True),
                 sam=fake.add_staff(org, "sam@acme.test", "Sam Owner", role="owner"),
                 ada=fake.add_staff(org, "ada@acme.test", "Ada Agent", role="agent"))


@pytest.fixture
def app(world):
    app = make_app(world.fake)
    world.fake.serve(app)
    return app


@pytest.fixture
def staff(world, app) -> Browser:
    world.sam.profile["language"] = None                   # no language of their own: the browser's counts
    browser = Browser(app)
    assert browser.sign_in(world.sam, fake=world.fake).headers["Location"] == "/console"
    return browser


@pytest.mark.parametrize("locale, direction", [("de", "ltr"), ("fr", "ltr"), ("ar", "rtl")])
def test_each_area_of_the_console_comes_in_the_browsers_language(world, staff, locale, direction):
    asks = {"Accept-Language": f"{locale},en;q=0.5"}
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer)
    order = orders_backend.place(org, customer)
    orders_backend.ship(org, order["sales_order_id"], completes_order=False)
    request = orders_backend.open_request(org, customer)
    pages = {path: staff.get(path, headers=asks) for path in (
        *PAGES, f"/console/sales-orders/{order['sales_order_id']}",
        f"/console/service-requests/{request['service_request_id']}")}
    pages["payment link"] = staff.post(f"/console/invoices/{invoice['invoice_id']}/payment-link/new", headers=asks)
    left = {}
    for name, page in pages.items():
        assert page.status_code == 200, name
        html = page.get_data(as_text=True)
        assert f'<html lang="{locale}" dir="{direction}">' in html, name
        left.update({name: english_on(html, locale)} if english_on(html, locale) else {})
    assert left == {}
