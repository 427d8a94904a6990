"""Saved payment methods in the portal, against the real billing service and its simulated
gateway: the contact saves test methods on /payment-methods, sees brand, last 4 and expiry,
makes one the default, removes one after confirming, and pays an invoice in one step with
"Pay with Visa •••• 4242 (default)"."""
from __future__ import annotations

import re

from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import Browser, text
from tests.integration.gateway.payment_methods_backend import methods_of, save_method


def contact(world, app, permissions=("view", "pay")) -> Browser:
    world.ann.permissions = list(permissions)
    browser = Browser(app)
    browser.sign_in(world.ann)
    return browser


def ids(world) -> tuple[str, str, str]:
    return world.org["org_id"], world.customer["customer_id"], world.ann.id


def test_saving_test_methods_lists_them_with_the_first_as_default(world, app):
    ann = contact(world, app)
    page = ann.get("/payment-methods")
    assert page.status_code == 200 and "You have no saved payment methods." in text(page)
    assert "Test card (Visa ending 0002): payments are declined" in text(page)
    saved = ann.send("/payment-methods", {"kind": "card"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/payment-methods")
    ann.get("/payment-methods")
    ann.send("/payment-methods", {"kind": "bank_account"})
    page = text(ann.get("/payment-methods"))
    assert "Saved Test Bank •••• 6789." in page
    assert re.search(r"Visa •••• 4242 12/\d{4} Default", page), page
    assert "Test Bank •••• 6789 — Make default" in page


def test_make_default_and_remove_after_confirming(world, app):
    card = save_method(*ids(world))
    bank = save_method(*ids(world), kind="bank_account")
    ann = contact(world, app)
    ann.get("/payment-methods")
    assert ann.send(f"/payment-methods/{bank['method_id']}/default", {}).status_code == 302
    assert "Test Bank •••• 6789 is now your default." in text(ann.get("/payment-methods"))
    assert [m["is_default"] for m in methods_of(*ids(world))] == [True, False]

    asked = ann.send(f"/payment-methods/{card['method_id']}/remove", {})
    assert asked.status_code == 200 and "Remove Visa •••• 4242?" in text(asked)
    assert len(methods_of(*ids(world))) == 2                     # nothing removed yet
    done = ann.send(f"/payment-methods/{card['method_id']}/remove", {})   # the page's hidden confirm=1
    assert done.status_code == 302
    assert "Removed Visa •••• 4242." in text(ann.get("/payment-methods"))
    assert [m["method_id"] for m in methods_of(*ids(world))] == [bank["method_id"]]


def test_a_form_without_its_csrf_token_changes_nothing(world, app):
    card = save_method(*ids(world))
    ann = contact(world, app)
    refused = ann.post(f"/payment-methods/{card['method_id']}/remove", {"confirm": "1"}, csrf=False)
    assert refused.status_code in (302, 400)
    assert len(methods_of(*ids(world))) == 1


def test_another_contacts_method_cannot_be_removed_or_made_default(world, app):
    theirs = save_method(world.org["org_id"], world.customer["customer_id"], world.bob.id)
    ann = contact(world, app)
    ann.get("/payment-methods")
    ann.send(f"/payment-methods/{theirs['method_id']}/default", {})
    assert "No such saved payment method." in text(ann.get("/payment-methods"))
    ann.send(f"/payment-methods/{theirs['method_id']}/remove", {"confirm": "1"})
    assert len(methods_of(world.org["org_id"], world.customer["customer_id"], world.bob.id)) == 1


def test_the_invoice_offers_the_default_saved_card_and_pays_in_one_step(world, app):
    card = save_method(*ids(world))
    inv = billing_backend.issue_invoice(world.org["org_id"], world.customer["customer_id"], 12000)
    ann = contact(world, app)
    page = ann.get(f"/invoices/{inv['invoice_id']}")
    html = page.get_data(as_text=True)
    assert "Pay with Visa •••• 4242 (default)" in text(page)
    assert re.search(rf'value="saved:{card["method_id"]}"[^>]*checked|checked[^>]*value="saved:{card["method_id"]}"',
                     html)
    paid = ann.send(f"/invoices/{inv['invoice_id']}/pay", {"method": f"saved:{card['method_id']}"})
    assert paid.status_code == 302 and paid.headers["Location"].startswith("/payments/")
    status = ann.get(paid.headers["Location"])
    assert "Paid. Thank you!" in text(status) and "Paid with Visa •••• 4242" in text(status)
    assert "saved:" not in text(status)
    on_invoice = text(ann.get(f"/invoices/{inv['invoice_id']}"))      # the invoice's payments say it too
    assert "Visa •••• 4242" in on_invoice and "saved:" not in on_invoice


def test_a_declined_saved_card_says_so_and_the_invoice_stays_payable(world, app):
    card = save_method(*ids(world), kind="card_declined")
    inv = billing_backend.issue_invoice(world.org["org_id"], world.customer["customer_id"], 12000)
    ann = contact(world, app)
    ann.get(f"/invoices/{inv['invoice_id']}")
    paid = ann.send(f"/invoices/{inv['invoice_id']}/pay", {"method": f"saved:{card['method_id']}"})
    assert "did not go through" in text(ann.get(paid.headers["Location"]))
    assert "Pay this invoice" in text(ann.get(f"/invoices/{inv['invoice_id']}"))


def test_without_pay_permission_the_page_is_refused(world, app):
    ann = contact(world, app, permissions=("view",))
    assert ann.get("/payment-methods").status_code == 403
