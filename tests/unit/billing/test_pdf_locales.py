"""billing's PDFs in the reader's language, read back with pypdf: German and French words,
money and dates; Arabic shaped, right to left; English as it was; the catalogues loaded
(and compiled on first use) through services/chassis/i18n.py."""
from __future__ import annotations

import os
import re

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from contracts.words import INVOICE_STATUS, PAYMENT_IN_PROGRESS
from services.billing.adapters import pdf, statement_pdf
from services.chassis import i18n as catalogues
from tests.unit.billing.test_pdf import ORG, invoice, png, read, text

NOTE = {"number": "CN-000001", "currency": "EUR", "customer_name": "Zoë Müller", "issued_at": "2026-05-06",
        "invoice_number": "INV-000123", "subtotal_minor": 100000, "tax_minor": 7500, "total_minor": 107500,
        "applied_minor": 50000, "refunded_minor": 0, "remaining_minor": 57500,
        "lines": [{"description": "Goodwill", "quantity": "1", "unit_price_minor": 100000, "tax_rate": "7.5",
                   "total_minor": 107500}],
        "applications": [{"applied_at": "2026-05-07", "invoice_number": "INV-000124", "amount_minor": 50000}]}
PAYMENT = {"payment_id": "pay-1", "receipt_number": "R-PAY1", "amount_minor": 100000, "currency": "EUR",
           "gateway": "offline", "gateway_reference": "bank", "settled_at": "2026-05-05T10:00:00+00:00",
           "status": "settled", "customer_name": "Zoë Müller",
           "allocations": [{"invoice_id": "inv-1", "amount_minor": 100000}]}
STATEMENT = {"currency": "EUR", "starts": "2026-03-01", "ends": "2026-05-31", "customer_name": "Zoë Müller",
             "opening_balance_minor": 0, "closing_balance_minor": 123456,
             "entries": [{"date": "2026-05-04", "reference": "INV-000123", "description": "", "kind": "invoice",
                          "debit_minor": 123456, "credit_minor": 0, "balance_minor": 123456}],
             "ageing": {"current": 123456, "total": 123456}}


def test_a_german_invoice_has_german_words_money_and_dates():
    found = text(pdf.render_invoice(invoice(), ORG, png(), locale="de"))
    for expected in ("RECHNUNG", "Rechnung INV-000123", "Rechnungsempfänger", "Rechnungsnummer", "Fällig am",
                     "Unbezahlt", "Beschreibung", "Einzelpreis", "Zwischensumme", "Offener Betrag",
                     "1.000,00 EUR", "1.470,00 EUR", "-25,00 EUR", "4. Mai 2026", "3. Juni 2026", "2,5",
                     "Seite 1 von 1", "Beträge in EUR; Positionssummen inklusive Steuer."):
        assert expected in found, expected
    assert "Amount due" not in found and "Bill to" not in found
    assert "Bank transfer within 30 days, please." in found              # the org's own words stay


def test_a_french_invoice_has_french_words_and_french_grouping():
    data = pdf.render_invoice(invoice(), ORG, png(), locale="fr")
    found = text(data)
    for expected in ("FACTURE", "Facture INV-000123", "Facturé à", "Numéro de facture", "Montant dû",
                     "Sous-total", "Impayée", "4 mai 2026", "Page 1 sur 1"):
        assert expected in found, expected
    assert re.search(r"1\s000,00 EUR", found)                                  # a narrow no-break space
    assert read(data).metadata.title == "Facture INV-000123"


def test_an_arabic_invoice_is_shaped_right_to_left_with_readable_amounts():
    data = pdf.render_invoice(invoice(), ORG, png(), locale="ar")
    found = text(data)
    for expected in ("فاتورة", "المبلغ المستحق", "رقم الفاتورة", "INV-000123", "1,000.00 EUR", "1,470.00 EUR"):
        assert expected in found, expected
    assert "Amount due" not in found
    assert len(read(data).pages[0].images) == 1                            # the logo, at the right
    doc = pdf._Document(ORG, None, "فاتورة", "INV-1", None, locale="ar")
    assert doc.rtl and doc.text_shaping                                      # HarfBuzz joins the letters
    assert doc.mirrored(15, 90) == doc.w - 105


def test_english_is_the_default_and_anything_unknown_is_english():
    english = text(pdf.render_invoice(invoice(), ORG, png()))
    assert text(pdf.render_invoice(invoice(), ORG, png(), locale="en")) == english
    assert text(pdf.render_invoice(invoice(), ORG, png(), locale="pt")) == english
    assert text(pdf.render_invoice(invoice(), ORG, png(), locale="de-CH")) == english
    for expected in ("INVOICE", "Bill to", "Amount due", "1,000.00 EUR", "4 May 2026", "Page 1 of 1"):
        assert expected in english, expected
    assert not pdf._Document(ORG, None, "Invoice", "INV-1", None).text_shaping


def test_receipts_credit_notes_and_statements_follow_the_locale():
    receipt = text(pdf.render_receipt(PAYMENT, [invoice()], ORG, None, locale="de"))
    for expected in ("QUITTUNG", "Erhalten von", "Von Mitarbeitenden erfasst", "Gezahlter Betrag", "1.000,00 EUR",
                     "Vielen Dank für Ihre Zahlung."):
        assert expected in receipt, expected
    note = text(pdf.render_credit_note(NOTE, ORG, None, locale="fr"))
    for expected in ("AVOIR", "Avoir au profit de", "Crédit restant", "Facture INV-000124", "7,5 %"):
        assert expected in note, expected
    statement = text(statement_pdf.render_statement(STATEMENT, ORG, None, locale="de"))
    for expected in ("KONTOAUSZUG", "Anfangssaldo", "Endsaldo", "1.234,56 EUR", "1. März 2026", "Nicht fällig"):
        assert expected in statement, expected
    arabic = text(statement_pdf.render_statement(STATEMENT, ORG, None, locale="ar"))
    assert "كشف حساب" in arabic and "الرصيد الختامي" in arabic and "1,234.56 EUR" in arabic


def test_a_draft_is_watermarked_in_the_readers_language():
    assert "ENTWURF" in text(pdf.render_invoice(invoice(status="draft", number=None), ORG, None, locale="de"))
    assert "DRAFT" in text(pdf.render_invoice(invoice(status="draft", number=None), ORG, None))


def test_every_status_word_the_contracts_carry_is_in_billings_catalogue():
    assert {*INVOICE_STATUS.values(), PAYMENT_IN_PROGRESS} == set(pdf.STATUS_WORDS)


def test_money_dates_and_numbers_per_locale():
    assert pdf.money(12345678, "EUR") == "123,456.78 EUR"
    assert pdf.money(12345678, "EUR", "de") == "123.456,78 EUR"
    assert pdf.money(500000, "JPY", "de") == "500.000 JPY"
    assert pdf.money(-1234, "BHD", "de") == "-1,234 BHD"
    assert pdf.money(12345678, "EUR", "ar") == "123,456.78 EUR"
    assert pdf.day("2026-05-04T09:30:00+00:00", "de") == "4. Mai 2026"
    assert pdf.percent("7.5", "de") == "7,5 %" and pdf.percent("7.5") == "7.5 %"
    assert pdf.locale_of("ar") == "ar" and pdf.locale_of(None) == "en" and pdf.locale_of("xx") == "en"


def test_catalogues_compile_on_first_use_and_again_when_the_po_is_newer(tmp_path):
    po = tmp_path / "de" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)

    def write(translation: str, mtime: float) -> None:
        catalogue = Catalog(locale="de")
        catalogue.add("Invoice", translation)
        with po.open("wb") as handle:
            write_po(handle, catalogue)
        os.utime(po, (mtime, mtime))

    write("Rechnung", 1_000_000_000)
    assert catalogues.translations(tmp_path, "de").gettext("Invoice") == "Rechnung"
    assert po.with_suffix(".mo").is_file()
    assert catalogues.translations(tmp_path, "fr").gettext("Invoice") == "Invoice"     # no catalogue: as is
    write("Faktura", po.with_suffix(".mo").stat().st_mtime + 10)                # edited after compiling
    catalogues.compile_catalogues(tmp_path)
    catalogues.translations.cache_clear()
    assert catalogues.translations(tmp_path, "de").gettext("Invoice") == "Faktura"


def test_a_read_only_install_compiles_the_catalogue_in_memory(monkeypatch):
    def read_only(po):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(catalogues, "compile_catalogue", read_only)
    catalogues.translations.cache_clear()
    try:
        assert catalogues.translations(pdf.TRANSLATIONS, "fr").gettext("Amount due") == "Montant dû"
        assert catalogues.translations(pdf.TRANSLATIONS, "en").gettext("Amount due") == "Amount due"
    finally:
        catalogues.translations.cache_clear()
