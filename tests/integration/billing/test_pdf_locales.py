"""billing's PDF routes in the reader's language: `?locale=` (en, de, fr, ar; anything else is
English), through the real app; the parameter is in the OpenAPI document."""
from __future__ import annotations

import re

from tests.integration.billing.test_pdf import ORG, identity, make_billing, pdf_of, text  # noqa: F401 - fixtures


def test_the_invoice_pdf_comes_in_the_asked_language(make_billing, identity):
    billing = make_billing(identity.url)
    billing.know_org()
    issued = billing.create(due_date="2099-01-31", lines=[{"description": "Beratung", "quantity": "4",
                                                           "unit_price_minor": 123450, "tax_rate": "20"}])
    path = f"/orgs/{ORG}/customers/cust-1/invoices/{issued['invoice_id']}/pdf"

    def fetch(query: str = "") -> str:
        return text(pdf_of(billing.client.get(path + query, headers=billing.contact()), "INV-000001.pdf"))

    german = fetch("?locale=de")
    for expected in ("Rechnung", "Rechnungsempfänger", "Offener Betrag", "5.925,60 EUR", "31. Januar 2099"):
        assert expected in german, expected
    french = fetch("?locale=fr")
    assert "Facture" in french and "Montant dû" in french and re.search(r"5\s925,60 EUR", french)
    arabic = fetch("?locale=ar")
    assert "فاتورة" in arabic and "المبلغ المستحق" in arabic and "5,925.60 EUR" in arabic
    english = fetch()
    assert "Amount due" in english and "5,925.60 EUR" in english and "31 January 2099" in english
    assert fetch("?locale=xx") == english == fetch("?locale=en")
    staff = billing.client.get(f"/orgs/{ORG}/invoices/{issued['invoice_id']}/pdf?locale=fr", headers=billing.staff)
    assert "Facture" in text(pdf_of(staff, "INV-000001.pdf"))


def test_the_statement_pdf_comes_in_the_asked_language(make_billing, identity):
    billing = make_billing(identity.url)
    billing.know_org()
    billing.create()
    answer = billing.client.get(f"/orgs/{ORG}/customers/cust-1/statement.pdf?locale=de", headers=billing.contact())
    assert answer.status_code == 200, answer.get_json()
    found = text(pdf_of(answer, answer.headers["Content-Disposition"].split('filename="')[1][:-1]))
    assert "Kontoauszug" in found and "Endsaldo" in found


def test_the_locale_parameter_is_documented(make_billing, identity):
    billing = make_billing(identity.url)
    spec = billing.client.get("/openapi.json").get_json()
    for path, verbs in spec["paths"].items():
        if path.endswith(("/pdf", ".pdf")):
            parameters = {p["name"]: p for p in verbs["get"].get("parameters", [])}
            assert parameters["locale"]["in"] == "query", path
            assert parameters["locale"]["schema"]["enum"] == ["en", "de", "fr", "ar"], path
