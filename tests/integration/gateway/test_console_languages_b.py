"""The staff console in German, French and Arabic, part B: for staff whose browser asks for
one of them (and who chose no language of their own), one page of each area (webhooks,
invitations, sales orders, service requests, API keys, e-mail templates, sent e-mail, the
dashboard, payment gateways, settings, reminders, staff, payment links) comes in that
language, with the page's `lang` and direction; no text a reader sees (text, placeholder,
title, aria-label, alt) is still an English message the catalogue translates."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from gateway.web.i18n import TRANSLATIONS
from tests.integration.gateway import billing_backend, orders_backend
from tests.integration.gateway.conftest import HOST, Browser, World, make_app
from tests.integration.gateway.fake_api_keys import FakeApiKeys

PAGES = ("/console", "/console/webhooks", "/console/invitations", "/console/invitations/import",
         "/console/sales-orders", "/console/sales-orders/new", "/console/service-requests", "/console/api-keys",
         "/console/email-templates", "/console/email-templates/payment_receipt/de", "/console/emails",
         "/console/payment-gateways", "/console/settings", "/console/reminders", "/console/staff")
SEEN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
AS_IS = frozenset({"code", "pre", "kbd", "samp", "script", "style"})


class Seen(HTMLParser):
    """What a reader sees: text between tags and the attributes read out, whitespace folded;
    not inside code samples, scripts or an element marked translate="no"."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, bool]] = []
        self.found: list[str] = []

    def _as_is(self) -> bool:
        return any(as_is for _, as_is in self.open)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        as_is = tag in AS_IS or attributes.get("translate") == "no"
        if not (as_is or self._as_is()):
            self.found.extend(" ".join(attributes[name].split()) for name in SEEN_ATTRIBUTES if attributes.get(name))
        if tag not in ("br", "hr", "img", "input", "meta", "link", "source", "wbr", "area", "col", "base"):
            self.open.append((tag, as_is))

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        if not self._as_is() and data.strip():
            self.found.append(" ".join(data.split()))


def english_left(html: str, translated: frozenset[str]) -> list[str]:
    seen = Seen()
    seen.feed(html)
    return sorted({text for text in seen.found if text in translated})


def translated_messages(locale: str) -> frozenset[str]:
    """The catalogue's English messages whose translation reads differently."""
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=locale)
    return frozenset(m.id for m in catalogue if isinstance(m.id, str) and m.id and m.string and m.string != m.id)


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
    translated = translated_messages(locale)
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
        left.update({name: english_left(html, translated)} if english_left(html, translated) else {})
    assert left == {}
