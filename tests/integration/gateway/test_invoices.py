"""The portal's invoices, served from the real billing service: the customer's list with
filters, search, sorts and pages; an invoice with its items, money in the contact's
language, and its history; never a draft, never another customer's invoice."""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import Browser, text
from tests.helpers.tokens import bearer


def numbers(page) -> list[str]:
    return re.findall(r">(INV-\d+)</a>", page.get_data(as_text=True))


def signed_in(app, login) -> Browser:
    browser = Browser(app)
    browser.sign_in(login)
    return browser


def test_the_list_pages_through_every_invoice_newest_first(world, app):
    org, customer = world.org["org_id"], world.customer["customer_id"]
    made = [billing_backend.issue_invoice(org, customer, 1000 + i)["number"] for i in range(30)]
    ann = signed_in(app, world.ann)
    first = ann.get("/invoices")
    assert numbers(first) == list(reversed(made))[:25]
    next_url = re.search(r'href="([^"]+)" rel="next"', first.get_data(as_text=True)).group(1).replace("&amp;", "&")
    second = ann.get(next_url)
    assert numbers(second) == list(reversed(made))[25:]
    assert 'rel="next"' not in second.get_data(as_text=True)


def test_filters_search_and_sort(world, app):
    org, customer = world.org["org_id"], world.customer["customer_id"]
    small = billing_backend.issue_invoice(org, customer, 500)
    big = billing_backend.issue_invoice(org, customer, 90000, due=date.today() - timedelta(days=3))
    ann = signed_in(app, world.ann)
    assert numbers(ann.get("/invoices?sort=-total")) == [big["number"], small["number"]]
    overdue = ann.get("/invoices?status=overdue")
    assert numbers(overdue) == [big["number"]] and "Overdue" in text(overdue)
    digits = small["number"][-3:]
    assert numbers(ann.get(f"/invoices?number={digits}")) == [small["number"]]
    assert "No invoice matches these filters." in text(ann.get("/invoices?number=NOPE"))
    today = date.today().isoformat()
    assert len(numbers(ann.get(f"/invoices?from={today}&to={today}"))) == 2


def test_an_upside_down_date_range_or_a_stale_cursor_is_said_not_broken(world, app):
    billing_backend.issue_invoice(world.org["org_id"], world.customer["customer_id"])
    ann = signed_in(app, world.ann)
    page = ann.get("/invoices?cursor=not-a-cursor")
    assert page.status_code == 200 and 'role="alert"' in page.get_data(as_text=True)
    assert len(numbers(page)) == 1                          # the first page instead


def test_an_invoice_shows_its_items_money_and_history(world, app):
    invoice = billing_backend.issue_invoice(world.org["org_id"], world.customer["customer_id"], 123456,
                                            notes="Thank you for your business.")
    world.ann.permissions = ["view", "download"]
    ann = signed_in(app, world.ann)
    page = ann.get(f"/invoices/{invoice['invoice_id']}")
    words = text(page)
    assert page.status_code == 200 and f"Invoice {invoice['number']}" in words
    assert "Consulting" in words and "€1,234.56" in words and "Thank you for your business." in words
    assert "Issued" in words and "Viewed" in words
    assert "Download PDF" in words                          # ann may download now


def test_money_reads_in_the_contacts_language_and_currency(world, app):
    world.ann.profile["language"] = "de"
    invoice = billing_backend.issue_invoice(world.org["org_id"], world.customer["customer_id"], 123456)
    yen = billing_backend.issue_invoice(world.org["org_id"], world.customer["customer_id"], 5000, currency="JPY")
    ann = signed_in(app, world.ann)                         # (text() folds the no-break space)
    assert "1.234,56 €" in text(ann.get(f"/invoices/{invoice['invoice_id']}"))
    assert "5.000 ¥" in text(ann.get(f"/invoices/{yen['invoice_id']}"))


def test_another_customers_invoice_and_drafts_are_not_found(world, app):
    org = world.org["org_id"]
    other = world.fake.add_customer(world.org, "Initech", "ap@initech.test")
    theirs = billing_backend.issue_invoice(org, other["customer_id"])
    draft = billing_backend.billing_app().test_client().post(
        f"/orgs/{org}/invoices", headers=bearer("staff", org, id=str(uuid.uuid4())),
        json={"customer_id": world.customer["customer_id"], "currency": "EUR",
              "lines": [{"description": "Not yet", "quantity": "1", "unit_price_minor": 100, "tax_rate": "0"}]},
    ).get_json()
    ann = signed_in(app, world.ann)
    for invoice_id in (theirs["invoice_id"], draft["invoice_id"], str(uuid.uuid4())):
        page = ann.get(f"/invoices/{invoice_id}")
        assert page.status_code == 404 and theirs["number"] not in text(page)
    assert numbers(ann.get("/invoices")) == []


def test_without_download_there_is_no_pdf_button_and_no_pdf(world, app):
    invoice = billing_backend.issue_invoice(world.org["org_id"], world.customer["customer_id"])
    bob = Browser(app)
    bob.sign_in(world.bob, fake=world.fake)                 # bob may only view
    assert "Download PDF" not in text(bob.get(f"/invoices/{invoice['invoice_id']}"))
    assert bob.get(f"/invoices/{invoice['invoice_id']}/pdf").status_code == 403


def test_billing_down_is_a_friendly_503(world, app):
    from tests.integration.gateway.http_stub import FailingAdapter
    app.extensions["gateway"].services["billing"].session.mount("http://", FailingAdapter())
    page = signed_in(app, world.ann).get("/invoices")
    assert page.status_code == 503 and "cannot reach one of its services" in text(page)
