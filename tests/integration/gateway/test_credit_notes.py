"""The portal's credit notes, served from the real billing service: the customer's list in
pages, a note with its items, the invoices it was applied to and refunds made from it, its
PDF; credit applied shows on the invoice; never another customer's note; the module and
the permissions decide what a contact reaches."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader

from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import Browser, make_app, text


def contact(world, permissions=("view",), modules=("invoices", "credit_notes")) -> Browser:
    world.org["settings"]["modules"] = list(modules)
    world.ann.permissions = list(permissions)
    browser = Browser(make_app(world.fake))
    browser.sign_in(world.ann)
    return browser


def numbers(page) -> list[str]:
    return re.findall(r">(CN-\d+)</a>", page.get_data(as_text=True))


def test_the_list_pages_through_every_note_newest_first(world):
    org, customer = world.org["org_id"], world.customer["customer_id"]
    made = [billing_backend.issue_credit_note(org, customer, 100 + i)["number"] for i in range(27)]
    billing_backend.issue_credit_note(org, "someone-else")
    ann = contact(world)
    first = ann.get("/credit-notes")
    assert first.status_code == 200 and numbers(first) == list(reversed(made))[:25]
    next_url = re.search(r'href="([^"]+)" rel="next"', first.get_data(as_text=True)).group(1).replace("&amp;", "&")
    second = ann.get(next_url)
    assert numbers(second) == list(reversed(made))[25:] and 'rel="next"' not in second.get_data(as_text=True)
    stale = ann.get("/credit-notes?cursor=not-a-cursor")
    assert stale.status_code == 200 and 'role="alert"' in stale.get_data(as_text=True)
    assert 'href="/credit-notes"' in ann.get("/").get_data(as_text=True)        # in the navigation


def test_a_note_shows_its_items_where_it_went_and_its_pdf(world):
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer, 20000)
    note = billing_backend.issue_credit_note(org, customer, 12345, invoice_id=invoice["invoice_id"],
                                             reason="Two items arrived damaged.")
    billing_backend.staff_credit(org, note["credit_note_id"], "apply",
                                 {"invoice_id": invoice["invoice_id"], "amount_minor": 10000})
    billing_backend.staff_credit(org, note["credit_note_id"], "refund", {"amount_minor": 345, "reason": "Rest"})
    ann = contact(world, permissions=("view", "download"))
    page = ann.get(f"/credit-notes/{note['credit_note_id']}")
    words = text(page)
    assert page.status_code == 200 and f"Credit note {note['number']}" in words
    assert "€123.45" in words and "€100.00" in words and "€3.45" in words and "€20.00" in words
    assert "Two items arrived damaged." in words and "Partly used" in words
    assert f'href="/invoices/{invoice["invoice_id"]}"' in page.get_data(as_text=True)
    assert "Download PDF" in words
    pdf = ann.get(f"/credit-notes/{note['credit_note_id']}/pdf")
    assert pdf.mimetype == "application/pdf"
    read = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert note["number"] in read and invoice["number"] in read
    # the invoice shows what the credit paid: amounts and its history
    shown = text(ann.get(f"/invoices/{invoice['invoice_id']}"))
    assert "Partly paid" in shown and "€100.00" in shown


def test_another_customers_note_is_not_found(world):
    theirs = billing_backend.issue_credit_note(world.org["org_id"], "someone-else")
    ann = contact(world, permissions=("view", "download"))
    assert ann.get(f"/credit-notes/{theirs['credit_note_id']}").status_code == 404
    assert ann.get(f"/credit-notes/{theirs['credit_note_id']}/pdf").status_code == 404
    assert ann.get("/credit-notes/no-such-note").status_code == 404
    assert "You have no credit notes." in text(ann.get("/credit-notes"))


def test_the_module_and_the_permissions_decide(world):
    note = billing_backend.issue_credit_note(world.org["org_id"], world.customer["customer_id"])
    off = contact(world, modules=("invoices",))
    assert off.get("/credit-notes").status_code == 404
    assert 'href="/credit-notes"' not in off.get("/").get_data(as_text=True)
    viewer = contact(world, permissions=("view",))
    page = viewer.get(f"/credit-notes/{note['credit_note_id']}")
    assert page.status_code == 200 and "Download PDF" not in text(page)
    assert viewer.get(f"/credit-notes/{note['credit_note_id']}/pdf").status_code == 403
