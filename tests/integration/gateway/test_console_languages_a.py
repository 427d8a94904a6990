"""The console's pages of part A (invoices, credit notes, payments, statements, customers,
activity, audit log, tickets, projects, documents) in the reader's language: for staff whose
browser asks for German, French or Arabic, each area's list and detail page says `<html lang
dir>` for that language and shows none of the catalogue's English messages untranslated, in
its text or in what a screen reader or a tooltip says (placeholder, title, aria-label, alt).

A message whose translation reads the same as the English ("Support", "Version") tells
nothing and is left out; so is whatever an element marks `translate="no"`, or <code>/<pre>."""
from __future__ import annotations


import pytest

from tests.integration.gateway import billing_backend, documents_backend, orders_backend, support_backend
from tests.integration.gateway.conftest import HOST, Browser, World, make_app
from tests.integration.gateway.test_orders import SigningKeys
from tests.helpers.languages import english_left_over, seen

MODULES = ["invoices", "payments", "credit_notes", "projects", "timesheets", "tickets", "documents", "quotes",
           "reviews"]
PDF = b"%PDF-1.4\n% a quote\n" + b"0" * 500


def pages(world) -> dict[str, str]:
    """One page of each area (its list and, where there is one, a detail page), by name."""
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer, 20000)
    paid = billing_backend.issue_invoice(org, customer, 5000)
    billing_backend.pay_invoice(org, customer, paid["invoice_id"])
    note = billing_backend.issue_credit_note(org, customer, description="Goodwill")   # not "Credit", a message
    ticket = support_backend.raised_for(org, customer, world.ann.id)
    support_backend.add_canned(org)
    project = orders_backend.create_project(org, customer, name="Fit-out")
    document = documents_backend.share(org, customer, PDF, title="Quote Q-1")
    return {
        "invoices": "/console/invoices", "invoice": f"/console/invoices/{invoice['invoice_id']}",
        "new invoice": "/console/invoices/new",
        "credit notes": "/console/credit-notes", "credit note": f"/console/credit-notes/{note['credit_note_id']}",
        "new credit note": f"/console/credit-notes/new?customer_id={customer}",
        "payments": "/console/payments", "statement": f"/console/customers/{customer}/statement",
        "customers": "/console/customers", "customer": f"/console/customers/{customer}",
        "activity": "/console/activity", "activity e-mail": "/console/activity/mail", "audit log": "/console/audit",
        "tickets": "/console/tickets", "ticket": f"/console/tickets/{ticket['ticket_id']}",
        "reviews": "/console/reviews", "canned replies": "/console/canned-replies",
        "projects": "/console/projects", "project": f"/console/projects/{project['project_id']}",
        "new project": "/console/projects/new", "timesheets": "/console/timesheets",
        "documents": "/console/documents", "document": f"/console/documents/{document['document_id']}",
        "share": f"/console/documents/new?customer_id={customer}",
    }


@pytest.mark.parametrize("locale, direction", [("de", "ltr"), ("fr", "ltr"), ("ar", "rtl")])
def test_staff_read_each_area_in_the_language_their_browser_asks_for(world, locale, direction):
    world.sam.profile["language"] = None        # never chose one: the browser's language decides
    app = make_app(world.fake)
    sam = Browser(app)
    sam.sign_in(world.sam, fake=world.fake)
    english = english_left_over(locale)
    assert len(english) > 300                  # this branch's messages are in the catalogue, translated
    untranslated = {}
    for name, path in pages(world).items():
        page = sam.get(path, headers={"Accept-Language": f"{locale},en;q=0.5"})
        assert page.status_code == 200, (name, page.status_code)
        shown = seen(page.get_data(as_text=True))
        assert (shown.html.get("lang"), shown.html.get("dir")) == (locale, direction), name
        left = sorted(shown.words & english)
        if left:
            untranslated[name] = left
    assert not untranslated, "\n".join(f"{name}: {left}" for name, left in untranslated.items())


def test_the_english_page_stays_english(world):
    """No Accept-Language: the msgids themselves, so English pages read as before."""
    app = make_app(world.fake)
    sam = Browser(app)
    sam.sign_in(world.sam, fake=world.fake)
    page = sam.get(pages(world)["invoices"])
    shown = seen(page.get_data(as_text=True))
    assert shown.html.get("lang") == "en" and shown.html.get("dir") == "ltr"
    assert {"Invoices", "Filter invoices", "Invoice number", "Customer", "Due amount"} <= shown.words
