"""Paying in the portal against the real billing service and its simulated gateway: a card
pays at once, a bank debit stays pending and blocks a second payment until staff fail it,
the status updates live (the live channel tells the page, htmx fetches the part again), and a settled payment has a receipt PDF."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader

from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import Browser, text
from tests.integration.gateway.payment_methods_backend import save_method


def contact(world, app, permissions=("view", "pay", "download")) -> Browser:
    world.ann.permissions = list(permissions)
    browser = Browser(app)
    browser.sign_in(world.ann)
    return browser


def invoice(world, total=12000):
    return billing_backend.issue_invoice(world.org["org_id"], world.customer["customer_id"], total)


def pay(browser, invoice_id, **form):
    browser.get(f"/invoices/{invoice_id}")
    return browser.send(f"/invoices/{invoice_id}/pay", {"method": "card", **form})


def test_a_card_payment_settles_and_has_a_receipt(world, app):
    inv = invoice(world)
    ann = contact(world, app)
    page = ann.get(f"/invoices/{inv['invoice_id']}")
    assert "Pay this invoice" in text(page) and "Pay €120.00" in text(page)
    answer = pay(ann, inv["invoice_id"])
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/payments/")
    status = ann.get(answer.headers["Location"])
    assert "Paid. Thank you!" in text(status) and "/status" not in status.get_data(as_text=True)   # no more polling
    assert "Paid" in text(ann.get(f"/invoices/{inv['invoice_id']}"))
    receipt = re.search(r'href="(/payments/[^"]+/receipt.pdf)"', status.get_data(as_text=True)).group(1)
    pdf = ann.get(receipt)
    assert pdf.mimetype == "application/pdf"
    words = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert inv["number"] in words and "Receipt" in words


def test_a_pending_bank_debit_blocks_a_second_payment_until_it_fails(world, app):
    inv = invoice(world)
    ann = contact(world, app)
    started = pay(ann, inv["invoice_id"], method="bank_debit")
    payment_url = started.headers["Location"]
    payment_id = payment_url.rsplit("/", 1)[1]
    live = ann.get(payment_url).get_data(as_text=True)
    assert "being processed" in live and f'hx-get="/payments/{payment_id}/status"' in live
    stream = re.search(r'data-stream-url="([^"]+)"', live).group(1)          # the live channel's stream
    assert stream.split("grant=")[1] and "payments.js" in live
    renewed = ann.get(f"/payments/{payment_id}/live").get_json()["stream_url"]
    assert renewed.startswith(stream.split("grant=")[0])
    assert "receipt" not in live and ann.get(f"/payments/{payment_id}/receipt.pdf").status_code == 404
    page = ann.get(f"/invoices/{inv['invoice_id']}")
    assert "Payment in progress" in text(page) and "Pay this invoice" not in text(page)

    again = ann.send(f"/invoices/{inv['invoice_id']}/pay", {"method": "card"})   # a second tab's form
    assert again.status_code == 302
    assert "is still being processed" in text(ann.get(f"/invoices/{inv['invoice_id']}"))

    billing_backend.simulate(world.org["org_id"], payment_id, "failed")          # staff fail it
    fragment = ann.get(f"/payments/{payment_id}/status").get_data(as_text=True)
    assert "did not go through" in fragment and "hx-get" not in fragment and "data-live-payment" not in fragment
    assert "Pay this invoice" in text(ann.get(f"/invoices/{inv['invoice_id']}"))
    assert pay(ann, inv["invoice_id"]).status_code == 302
    assert "Paid" in text(ann.get(f"/invoices/{inv['invoice_id']}"))


def test_a_partly_refunded_payment_leaves_the_invoice_paid_and_says_so(world, app):
    """Issue 18: €85 of a €585 payment refunded. The invoice stays paid with nothing to pay,
    says what went back, and the payment reads "Partly refunded", not "Refunded"."""
    org = world.org["org_id"]
    inv = invoice(world, total=58500)
    ann = contact(world, app)
    paid = pay(ann, inv["invoice_id"])
    payment_id = paid.headers["Location"].rsplit("/", 1)[1]
    billing_backend.refund(org, payment_id, 8500, reason="Part returned")
    page = text(ann.get(f"/invoices/{inv['invoice_id']}"))
    assert "Pay this invoice" not in page and "Still to pay €0.00" in page
    assert "Refunded to you €85.00" in page                       # the facts, the totals and the history
    assert "Partly refunded (€85.00 of €585.00)" in page and "to pay again" not in page
    payments = text(ann.get("/payments"))
    assert "Partly refunded (€85.00 of €585.00)" in payments
    assert "€85.00 of this payment of €585.00 was refunded." in text(ann.get(f"/payments/{payment_id}"))
    world.org["settings"]["bulk_payments"] = True
    with billing_backend.org_settings(org, bulk_payments=True, partial_payments=True):
        invoices = ann.get("/invoices").get_data(as_text=True)
    assert "Pay selected" in invoices and f'id="pay-{inv["invoice_id"]}"' not in invoices   # not offered in bulk
    statement = text(ann.get("/statement"))
    assert "Invoice reduced by refund" in statement and "Closing balance €0.00" in statement
    home = text(ann.get("/"))
    assert "You owe nothing at the moment." in home and "Partly refunded (€85.00 of €585.00)" in home
    # staff reverse the rest: the invoice asks for it again, and the payment reads "Refunded"
    billing_backend.refund(org, payment_id, 50000, reopen_invoice=True)
    page = text(ann.get(f"/invoices/{inv['invoice_id']}"))
    assert "Pay this invoice" in page and "Pay €500.00" in page
    assert "Payment reversed: to pay again €500.00" in page and "€500.00 reversed: to pay again" in page
    assert "Partly refunded" not in text(ann.get("/payments"))
    assert "This payment was refunded." in text(ann.get(f"/payments/{payment_id}"))


def test_the_invoice_page_asks_billing_once(world, app):
    """The invoice, its payment in flight, its conversation and the saved methods come in one
    read (issue 13), and the page still shows each of them."""
    org, customer = world.org["org_id"], world.customer["customer_id"]
    save_method(org, customer, world.ann.id)
    inv = invoice(world)
    ann = contact(world, app)
    ann.get(f"/invoices/{inv['invoice_id']}")
    ann.send(f"/invoices/{inv['invoice_id']}/comments", {"text": "Is the PO number on it?"})
    calls = billing_backend.asked(app)
    calls.clear()
    page = ann.get(f"/invoices/{inv['invoice_id']}")
    assert [path for method, path in calls] == [f"/orgs/{org}/customers/{customer}/invoices/{inv['invoice_id']}/page"]
    assert "Is the PO number on it?" in text(page) and "Pay with Visa •••• 4242 (default)" in text(page)
    started = pay(ann, inv["invoice_id"], method="bank_debit")
    assert started.status_code == 302
    calls.clear()
    page = ann.get(f"/invoices/{inv['invoice_id']}")
    assert len(calls) == 1 and "Payment in progress" in text(page) and "Pay this invoice" not in text(page)


def test_part_of_an_invoice_is_paid_where_the_org_allows_it(world, app):
    world.org["settings"]["partial_payments"] = True
    inv = invoice(world)
    ann = contact(world, app)
    with billing_backend.org_settings(world.org["org_id"], partial_payments=True):
        assert "Amount to pay now" in text(ann.get(f"/invoices/{inv['invoice_id']}"))
        pay(ann, inv["invoice_id"], amount="50,00")
    page = text(ann.get(f"/invoices/{inv['invoice_id']}"))
    assert "Partly paid" in page and "Still to pay €70.00" in page


def test_without_pay_there_is_no_form_and_no_payment(world, app):
    inv = invoice(world)
    ann = contact(world, app, permissions=("view",))
    assert "Pay this invoice" not in text(ann.get(f"/invoices/{inv['invoice_id']}"))
    assert ann.send(f"/invoices/{inv['invoice_id']}/pay", {"method": "card"}).status_code == 403
    assert billing_backend.payments_of(world.org["org_id"], world.customer["customer_id"], inv["invoice_id"]) == []


def test_another_customers_payment_is_not_found(world, app):
    other = world.fake.add_customer(world.org, "Initech", "ap@initech.test")
    theirs = billing_backend.issue_invoice(world.org["org_id"], other["customer_id"])
    payment = billing_backend.pay_invoice(world.org["org_id"], other["customer_id"], theirs["invoice_id"])
    ann = contact(world, app)
    for path in (f"/payments/{payment['payment_id']}", f"/payments/{payment['payment_id']}/receipt.pdf",
                 f"/payments/{payment['payment_id']}/live", f"/invoices/{theirs['invoice_id']}"):
        assert ann.get(path).status_code == 404, path
    assert ann.send(f"/invoices/{theirs['invoice_id']}/pay", {"method": "card"}).status_code == 404


def test_without_a_usable_payment_gateway_the_contact_is_told_in_words(world, app, monkeypatch):
    inv = invoice(world)
    ann = contact(world, app)
    monkeypatch.setenv("BILLING_SIMULATED_GATEWAY", "off")         # production with nothing connected
    answer = pay(ann, inv["invoice_id"])
    assert answer.status_code == 302 and answer.headers["Location"] == f"/invoices/{inv['invoice_id']}"
    page = ann.get(answer.headers["Location"])
    assert "Online payment is not available at the moment, and nothing was charged." in text(page)
    assert "cannot reach one of its services" not in text(page)
    assert "Still to pay €120.00" in text(page) and billing_backend.payments_of(
        world.org["org_id"], world.customer["customer_id"], inv["invoice_id"]) == []


def test_the_payments_page_lists_the_customers_payments_with_their_invoices_and_receipts(world, app):
    from tests.integration.gateway import billing_backend
    from tests.integration.gateway.conftest import text as page_text
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer)
    paid = billing_backend.pay_invoice(org, customer, invoice["invoice_id"])
    debit = billing_backend.issue_invoice(org, customer)
    billing_backend.pay_invoice(org, customer, debit["invoice_id"], method="bank_debit")
    other = world.fake.add_customer(world.org, "Initech")
    theirs = billing_backend.issue_invoice(org, other["customer_id"])
    billing_backend.pay_invoice(org, other["customer_id"], theirs["invoice_id"])
    world.ann.permissions = ["view", "download"]
    browser = Browser(app)
    browser.sign_in(world.ann)
    page = browser.get("/payments")
    shown = page_text(page)
    assert page.status_code == 200 and invoice["number"] in shown and "Paid" in shown
    assert theirs["number"] not in shown
    assert "Bank debit" in shown and "working days" not in shown        # how it was paid, not the form's hint
    html = page.get_data(as_text=True)
    assert f'/payments/{paid["payment_id"]}/receipt.pdf' in html
    assert "No payment has this status" in page_text(browser.get("/payments?status=failed"))
