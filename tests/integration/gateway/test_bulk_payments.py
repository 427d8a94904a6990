"""Paying several invoices at once from the portal's invoices list (bulk payments), against
the real billing service and its simulated gateway: tick, see the total, pay, and see which
invoice got how much; mixed currencies, an invoice with a payment in progress and an org
without bulk payments are refused in words; no JavaScript needed (plain form posts)."""
from __future__ import annotations

import re

import pytest

from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import Browser, text


@pytest.fixture
def bulk(world):
    world.org["settings"]["bulk_payments"] = True
    with billing_backend.org_settings(world.org["org_id"], bulk_payments=True):
        yield world


def contact(world, app, permissions=("view", "pay", "download")) -> Browser:
    world.ann.permissions = list(permissions)
    browser = Browser(app)
    browser.sign_in(world.ann)
    return browser


def invoice(world, total=12000, currency="EUR"):
    return billing_backend.issue_invoice(world.org["org_id"], world.customer["customer_id"], total, currency=currency)


def select(browser, *invoices, **form):
    browser.get("/invoices")
    return browser.post("/invoices/pay-selected", {"invoice_id": [i["invoice_id"] for i in invoices], **form})


def test_two_invoices_are_paid_together_and_the_payment_lists_each(bulk, app):
    first, second = invoice(bulk, 12000), invoice(bulk, 3050)
    ann = contact(bulk, app)
    listing = ann.get("/invoices").get_data(as_text=True)
    assert f'value="{first["invoice_id"]}"' in listing and "Pay selected" in listing

    review = select(ann, first, second)
    assert review.status_code == 200
    words = text(review)
    assert first["number"] in words and second["number"] in words
    assert "Total (EUR) €150.50" in words and "Pay €150.50" in words
    assert billing_backend.payments_of(bulk.org["org_id"], bulk.customer["customer_id"], first["invoice_id"]) == []

    paid = ann.post("/invoices/pay-selected", {"invoice_id": [first["invoice_id"], second["invoice_id"]],
                                               "method": "card", "confirm": "1"})
    assert paid.status_code == 302 and paid.headers["Location"].startswith("/payments/")
    page = text(ann.get(paid.headers["Location"]))
    assert "Payment of €150.50" in page and "Paid. Thank you!" in page
    assert f"{first['number']} (€120.00)" in page and f"{second['number']} (€30.50)" in page
    for inv in (first, second):
        assert billing_backend.staff_invoice(bulk.org["org_id"], inv["invoice_id"])["status"] == "paid"
    listing = ann.get("/invoices").get_data(as_text=True)        # nothing left to tick
    assert f'value="{first["invoice_id"]}"' not in listing


def test_invoices_in_two_currencies_are_refused_readably(bulk, app):
    euros, dollars = invoice(bulk), invoice(bulk, currency="USD")
    ann = contact(bulk, app)
    answer = select(ann, euros, dollars, confirm="1")
    assert answer.status_code == 302 and answer.headers["Location"] == "/invoices"
    assert "must all be in the same currency" in text(ann.get("/invoices"))
    for inv in (euros, dollars):
        assert billing_backend.payments_of(bulk.org["org_id"], bulk.customer["customer_id"], inv["invoice_id"]) == []


def test_an_invoice_with_a_pending_payment_is_refused_by_name(bulk, app):
    free, busy = invoice(bulk), invoice(bulk)
    billing_backend.pay_invoice(bulk.org["org_id"], bulk.customer["customer_id"], busy["invoice_id"],
                                method="bank_debit")
    ann = contact(bulk, app)
    listing = ann.get("/invoices")                          # said in the list, and not offered to tick
    row = next(r for r in listing.get_data(as_text=True).split("<tr>") if busy["number"] in r)
    assert "Payment in progress" in row and 'type="checkbox"' not in row
    assert f'value="{free["invoice_id"]}"' in listing.get_data(as_text=True)
    answer = select(ann, free, busy, method="card", confirm="1")
    assert answer.status_code == 302
    assert f"A payment for {busy['number']} is still being processed" in text(ann.get("/invoices"))
    assert billing_backend.payments_of(bulk.org["org_id"], bulk.customer["customer_id"], free["invoice_id"]) == []


def test_nothing_chosen_or_a_paid_invoice_is_said_so(bulk, app):
    paid = invoice(bulk)
    billing_backend.pay_invoice(bulk.org["org_id"], bulk.customer["customer_id"], paid["invoice_id"])
    ann = contact(bulk, app)
    ann.get("/invoices")
    assert ann.post("/invoices/pay-selected", {}).status_code == 302
    assert "Choose at least one invoice" in text(ann.get("/invoices"))
    select(ann, paid)
    assert f"{paid['number']} cannot be paid" in text(ann.get("/invoices"))


def test_a_bank_debit_for_several_invoices_blocks_each_until_it_fails(bulk, app):
    first, second = invoice(bulk), invoice(bulk)
    ann = contact(bulk, app)
    ann.get("/invoices")
    started = ann.post("/invoices/pay-selected", {"invoice_id": [first["invoice_id"], second["invoice_id"]],
                                                  "method": "bank_debit", "confirm": "1"})
    payment_id = started.headers["Location"].rsplit("/", 1)[1]
    assert "being processed" in text(ann.get(started.headers["Location"]))
    again = select(ann, second, method="card", confirm="1")
    assert again.status_code == 302 and "is still being processed" in text(ann.get("/invoices"))
    billing_backend.simulate(bulk.org["org_id"], payment_id, "failed")
    assert select(ann, first, second, method="card", confirm="1").headers["Location"].startswith("/payments/")


def test_another_customers_invoice_is_not_found(bulk, app):
    other = bulk.fake.add_customer(bulk.org, "Initech", "ap@initech.test")
    theirs = billing_backend.issue_invoice(bulk.org["org_id"], other["customer_id"])
    ann = contact(bulk, app)
    assert select(ann, invoice(bulk), theirs).status_code == 404
    assert billing_backend.payments_of(bulk.org["org_id"], other["customer_id"], theirs["invoice_id"]) == []


def test_without_bulk_payments_or_pay_there_are_no_checkboxes(world, app):
    world.org["settings"]["bulk_payments"] = False
    inv = invoice(world)
    ann = contact(world, app)
    listing = ann.get("/invoices").get_data(as_text=True)
    assert "Pay selected" not in listing and 'name="invoice_id"' not in listing
    answer = select(ann, inv, confirm="1")
    assert answer.status_code == 302 and "one at a time" in text(ann.get("/invoices"))

    world.org["settings"]["bulk_payments"] = True
    viewer = contact(world, app, permissions=("view",))
    assert "Pay selected" not in viewer.get("/invoices").get_data(as_text=True)
    assert select(viewer, inv, confirm="1").status_code == 403


def test_the_list_form_works_without_javascript(bulk, app):
    inv = invoice(bulk)
    ann = contact(bulk, app)
    html = ann.get("/invoices").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/invoices/pay-selected".*?</form>', html, re.S).group(0)
    assert 'name="csrf_token"' in form and 'type="checkbox"' in form and 'type="submit"' in form
    assert "<script" not in form
    assert ann.post("/invoices/pay-selected", {"invoice_id": inv["invoice_id"]}, csrf=False).status_code == 400
