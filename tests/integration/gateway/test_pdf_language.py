"""A PDF downloaded from the portal reads in the page's language: the gateway asks billing for
the PDF with `locale` (the person's language, else the browser's, else the org's default)."""
from __future__ import annotations

import io

from pypdf import PdfReader

from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import Browser, make_app


def pdf_text(answer) -> str:
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.data)).pages)


def in_language(world, language: str) -> Browser:
    world.org["settings"]["modules"] = ["invoices", "credit_notes"]
    world.ann.permissions = ["view", "download"]
    world.ann.profile["language"] = language
    browser = Browser(make_app(world.fake))
    browser.sign_in(world.ann)
    return browser


def test_the_invoice_and_credit_note_pdfs_come_in_the_readers_language(world):
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer, 123456)
    note = billing_backend.issue_credit_note(org, customer, 2500, invoice_id=invoice["invoice_id"])
    german = in_language(world, "de")
    found = pdf_text(german.get(f"/invoices/{invoice['invoice_id']}/pdf"))
    assert "Rechnung" in found and "Offener Betrag" in found and "1.234,56 EUR" in found
    assert "Gutschrift" in pdf_text(german.get(f"/credit-notes/{note['credit_note_id']}/pdf"))
    arabic = pdf_text(in_language(world, "ar").get(f"/invoices/{invoice['invoice_id']}/pdf"))
    assert "فاتورة" in arabic and "1,234.56 EUR" in arabic
    english = pdf_text(in_language(world, "en").get(f"/invoices/{invoice['invoice_id']}/pdf"))
    assert "Amount due" in english and "1,234.56 EUR" in english
