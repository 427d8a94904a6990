"""The portal in the reader's language: a signed-in contact whose language is German, French
or Arabic gets every portal page of every kind in it, with the page's `lang` and direction.

Like test_pages.py's `pages_of_every_kind`, the pages are walked as a person opens them, but
here with something on each (an invoice, a payment, a credit note, an order with a shipment, a
service request, a project with a logged week, a shared agreement and a quote, a ticket with a
reply: the access matrix's samples, made in the real services behind the gateway). A page
"has a string left in English" when one of its text nodes, or its placeholder, title,
aria-label or alt, is exactly an English message of that language's catalogue whose
translation differs from the English. The other way round, the same page in English shows the
English where the German page shows its translation, so switching translations off fails too.
"""
from __future__ import annotations


import pytest

from gateway.web.access import PERMISSIONS
from tests.integration.gateway import billing_backend
from tests.integration.gateway.test_access_matrix import (NO_RATE_LIMITS, MatrixIdentity, Stage, Tenant,
                                                          _answered_ticket, _credit_note, _document, _invoice,
                                                          _logged_week, _open_document, _order, _payment,
                                                          _project, _service_request, _shipment)
from tests.integration.gateway.conftest import make_app
from tests.helpers.languages import english_left_over, seen


def seen_words(html: str) -> set[str]:
    return seen(html).words


@pytest.fixture(scope="module")
def stage() -> Stage:
    fake = MatrixIdentity()
    return Stage(fake, make_app(fake, **NO_RATE_LIMITS))


@pytest.fixture(scope="module")
def tenant(stage) -> Tenant:
    """An org with every module, its contact Ann with every permission, and something of each kind."""
    t = stage.tenant("Acme Trading")
    t.ann.permissions = list(PERMISSIONS)
    t.ann.totp_secret = None              # each language signs in anew: no one-time code is asked twice
    # a credit note whose line is not the default "Credit", which is also the English of a column
    t.credit_note = billing_backend.issue_credit_note(t.org["org_id"], t.customer["customer_id"],
                                                      description="Goodwill for the late delivery")
    for make in (_invoice, _payment, _credit_note, _shipment, _service_request, _logged_week, _document,
                 _answered_ticket):
        make(t)
    _open_document(t, "quote")
    return t


def portal_pages(t: Tenant) -> list[str]:
    """Every portal page of every kind: each list, one of each thing, and the forms of their own."""
    return ["/", "/profile",
            "/invoices", f"/invoices/{_invoice(t)['invoice_id']}",
            "/payments", f"/payments/{_payment(t)['payment_id']}",
            "/credit-notes", f"/credit-notes/{_credit_note(t)['credit_note_id']}",
            "/statement",
            "/sales-orders", f"/sales-orders/{_order(t)['sales_order_id']}", "/deliveries",
            "/service-requests", f"/service-requests/{_service_request(t)['service_request_id']}",
            "/projects", f"/projects/{_project(t)['project_id']}", "/timesheets",
            "/documents", f"/documents/{_document(t)['document_id']}",
            "/quotes", f"/documents/{_open_document(t, 'quote')['document_id']}",
            "/tickets", f"/tickets/{_answered_ticket(t)['ticket_id']}",
            "/tickets/new", "/service-requests/new", "/payment-methods", "/reviews"]


def pages_in(stage: Stage, t: Tenant, language: str):
    """(path, html) of every portal page, for Ann reading in `language` (a session of its own,
    so no session view cached in another language is reused)."""
    t.ann.profile["language"] = language
    browser = stage.signed_in(t, t.ann)
    for path in portal_pages(t):
        response = browser.get(path)
        assert response.status_code == 200, (language, path, response.status_code)
        yield path, response.get_data(as_text=True)


@pytest.mark.parametrize("language, direction", [("de", "ltr"), ("fr", "ltr"), ("ar", "rtl")])
def test_every_portal_page_is_in_the_readers_language(stage, tenant, language, direction):
    english = english_left_over(language)
    left = {}
    for path, html in pages_in(stage, tenant, language):
        assert f'<html lang="{language}" dir="{direction}">' in html, path
        untranslated = sorted(seen(html).words & english)
        if untranslated:
            left[path] = untranslated
    assert not left, "left in English on the %s pages:\n%s" % (
        language, "\n".join(f"  {path}: {strings}" for path, strings in left.items()))


# (path, English, German): headings and words the German page shows in place of the English.
KNOWN = [
    ("/", "Your balance", "Ihr Saldo"),
    ("/invoices", "Still to pay", "Noch zu zahlen"),
    ("/tickets", "Raise a ticket", "Ticket erstellen"),
    ("/timesheets", "Approve the billable hours", "Abrechenbare Stunden genehmigen"),
]


def test_the_english_page_shows_the_english_where_the_german_shows_its_translation(stage, tenant):
    english = dict(pages_in(stage, tenant, "en"))
    german = dict(pages_in(stage, tenant, "de"))
    for path, words, translated in KNOWN:
        assert '<html lang="en" dir="ltr">' in english[path]
        assert words in seen_words(english[path]) and translated not in seen_words(english[path]), path
        assert translated in seen_words(german[path]) and words not in seen_words(german[path]), path
