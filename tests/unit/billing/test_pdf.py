"""billing's branded PDFs, read back with pypdf: the text a person reads (numbers, names,
amounts in the currency's own decimals), the brand colour, the logo (or none when it cannot
be had), the document's metadata; invoices and receipts."""
from __future__ import annotations

import io
import re
import socket
import struct
import zlib

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from services.billing.adapters import pdf, statement_pdf
from services.billing.adapters.identity_logo import IdentityLogos
from services.chassis import pdf as fonts

ORG = {"org_id": "org-acme", "name": "Zoë's Rösterei", "settings": {"brand_colour": "#0f766e", "logo": "d1"}}


def png(width: int = 40, height: int = 20, rgb=(200, 30, 30)) -> bytes:
    """A real PNG, made by hand (no image library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def line(description="Consulting", quantity="2.5", unit=10000, rate="20", percent=None, **amounts):
    priced = {"subtotal_minor": 25000, "discount_minor": 0, "net_minor": 25000, "tax_minor": 5000,
              "total_minor": 30000, **amounts}
    return {"description": description, "quantity": quantity, "unit_price_minor": unit, "tax_rate": rate,
            "discount_percent": percent, "discount_fixed_minor": None, **priced}


def invoice(**changes) -> dict:
    base = {"invoice_id": "inv-1", "customer_id": "cust-1", "customer_name": "Zoë Müller",
            "number": "INV-000123", "status": "sent", "currency": "EUR", "subtotal_minor": 125000,
            "discount_minor": 2500, "tax_minor": 24500, "total_minor": 147000,
            "amount_paid_minor": 47000, "amount_due_minor": 100000, "issued_at": "2026-05-04T09:30:00+00:00",
            "due_date": "2026-06-03", "notes": "Bank transfer within 30 days, please.",
            "lines": [line("Beans (€ list)", "2.5", 10000, "20", "10", subtotal_minor=25000,
                           discount_minor=2500, net_minor=22500, tax_minor=4500, total_minor=27000),
                      line("Grinder service", "1", 100000, "20", subtotal_minor=100000, net_minor=100000,
                           tax_minor=20000, total_minor=120000)],
            "taxes": [{"rate": "20", "taxable_minor": 122500, "tax_minor": 24500}], "timeline": []}
    return {**base, **changes}


def read(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in read(data).pages)


def images(data: bytes) -> int:
    return sum(len(page.images) for page in read(data).pages)


def fill_colours(data: bytes) -> set[tuple[int, int, int]]:
    reader = read(data)
    found = set()
    for page in reader.pages:
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"rg":
                found.add(tuple(round(float(v) * 255) for v in operands))
    return found


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- invoices ------------------------------------------------------------------------------

def test_an_invoice_reads_like_an_invoice():
    data = pdf.render_invoice(invoice(), ORG, png())
    found = text(data)
    for expected in ("Zoë's Rösterei", "INVOICE", "INV-000123", "Zoë Müller", "4 May 2026", "3 June 2026",
                     "Beans (€ list)", "2.5", "100.00", "(10 %)", "20 %", "270.00",
                     "1,200.00", "Subtotal", "1,250.00 EUR", "Discount", "-25.00 EUR", "Tax 20 %",
                     "245.00 EUR", "Total", "1,470.00 EUR", "Paid", "470.00 EUR", "Amount due",
                     "1,000.00 EUR", "Bank transfer within 30 days, please.", "Page 1 of 1", "Unpaid"):
        assert expected in found, expected
    assert "DRAFT" not in found
    meta = read(data).metadata
    assert (meta.title, meta.author) == ("Invoice INV-000123", "Zoë's Rösterei")


def test_the_brand_colour_fills_the_band_and_headings_with_readable_text():
    teal = pdf.render_invoice(invoice(), ORG, None)
    assert (15, 118, 110) in fill_colours(teal)
    assert pdf.readable_on((15, 118, 110)) == (255, 255, 255)
    yellow_org = {**ORG, "settings": {"brand_colour": "#fde047"}}
    yellow = pdf.render_invoice(invoice(), yellow_org, None)
    assert (253, 224, 71) in fill_colours(yellow)
    assert pdf.readable_on((253, 224, 71)) == pdf.INK                    # dark text on a light colour
    unbranded = pdf.render_invoice(invoice(), {"name": "Plain", "settings": {"brand_colour": None}}, None)
    assert (29, 78, 216) in fill_colours(unbranded)                      # the portal's own blue


def test_a_png_or_jpeg_logo_is_embedded_anything_else_is_left_out():
    assert images(pdf.render_invoice(invoice(), ORG, png())) == 1
    from PIL import Image                                                 # fpdf2's own dependency
    jpeg = io.BytesIO()
    Image.new("RGB", (30, 30), (0, 90, 0)).save(jpeg, "JPEG")
    assert images(pdf.render_invoice(invoice(), ORG, jpeg.getvalue())) == 1
    assert pdf.image_kind(jpeg.getvalue()) == "jpeg" and pdf.image_kind(png()) == "png"
    webp = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24
    svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"
    broken = b"\x89PNG\r\n\x1a\n" + b"not really a png"
    truncated = png()[:60]
    bomb = png(1, 1)[:16] + struct.pack(">II", 60000, 60000) + png(1, 1)[24:]   # 3.6 gigapixels
    for logo in (None, b"", webp, svg, broken, truncated, bomb):
        data = pdf.render_invoice(invoice(), ORG, logo)
        assert images(data) == 0 and "INV-000123" in text(data)


def test_no_logo_when_identity_cannot_be_reached():
    logos = IdentityLogos(f"http://127.0.0.1:{closed_port()}", timeout=(0.5, 0.5))
    logo = logos.get("org-acme", "d1")
    assert logo is None
    assert logos.get("org-acme", None) is None                           # no logo set: no call at all
    data = pdf.render_invoice(invoice(), ORG, logo)
    assert images(data) == 0 and "1,000.00 EUR" in text(data)


@pytest.mark.parametrize("currency, unit, shown, total_shown", [
    ("JPY", 5000, "5,000", "6,000 JPY"),
    ("BHD", 1234, "1.234", "1.480 BHD"),
    ("EUR", 123456789, "1,234,567.89", "1,481,481.47 EUR"),
])
def test_amounts_have_the_currencys_own_decimals(currency, unit, shown, total_shown):
    total = {"JPY": 6000, "BHD": 1480, "EUR": 148148147}[currency]
    bill = invoice(currency=currency, subtotal_minor=unit, discount_minor=0, tax_minor=total - unit,
                   total_minor=total, amount_paid_minor=0, amount_due_minor=total,
                   lines=[line("Item", "1", unit, "20", subtotal_minor=unit, net_minor=unit,
                               tax_minor=total - unit, total_minor=total)],
                   taxes=[{"rate": "20", "taxable_minor": unit, "tax_minor": total - unit}])
    found = text(pdf.render_invoice(bill, ORG, None))
    assert shown in found and total_shown in found and f"Amounts in {currency}" in found
    if currency == "JPY":
        assert "5,000.00" not in found and "6,000.0" not in found
    if currency == "BHD":
        assert "1.48 BHD" not in found


def test_money_formatting():
    assert pdf.money(0, "EUR") == "0.00 EUR"
    assert pdf.money(5, "EUR") == "0.05 EUR"
    assert pdf.money(-250, "USD") == "-2.50 USD"
    assert pdf.money(1000000, "JPY") == "1,000,000 JPY"
    assert pdf.money(1, "KWD") == "0.001 KWD"


def test_a_draft_is_watermarked_and_a_void_invoice_too():
    draft = text(pdf.render_invoice(invoice(status="draft", number=None), ORG, None))
    assert "DRAFT" in draft and "Draft" in draft
    assert "VOID" in text(pdf.render_invoice(invoice(status="void"), ORG, None))


def test_a_long_invoice_runs_over_pages_with_the_brand_on_each():
    many = invoice(lines=[line(f"Item {i}") for i in range(80)])
    reader = read(pdf.render_invoice(many, ORG, png()))
    assert len(reader.pages) > 1
    last = reader.pages[-1].extract_text()
    assert "INV-000123" in last and "Amount due" in last and f"Page {len(reader.pages)} of {len(reader.pages)}" in last
    assert all(len(page.images) == 1 for page in reader.pages)          # the logo heads every page


def test_unicode_names_render_with_the_unicode_font():
    if fonts.font_dir() is None:
        pytest.skip("DejaVu Sans is not installed here: the built-in font fallback is tested below")
    found = text(pdf.render_invoice(invoice(customer_name="Łukasz Żółć · Ελένη · Дмитрий"), ORG, None))
    assert "Łukasz Żółć" in found and "Ελένη" in found and "Дмитрий" in found


def test_without_a_unicode_font_western_names_and_euro_still_render(monkeypatch):
    monkeypatch.setattr(fonts, "FONT_DIRS", ())
    monkeypatch.delenv("BILLING_PDF_FONT_DIR", raising=False)
    found = text(pdf.render_invoice(invoice(customer_name="Zoë Müller 東京"), ORG, None))
    assert "Zoë Müller" in found and "€" in found and "1,470.00 EUR" in found   # 東京 shows as "??"


# --- receipts ------------------------------------------------------------------------------

PAYMENT = {"payment_id": "pay-1", "receipt_number": "RCT-000007", "amount_minor": 150000, "currency": "EUR",
           "gateway": "stripe", "gateway_reference": "pi_3Nabc", "settled_at": "2026-05-05T12:00:00Z",
           "status": "settled", "customer_id": "cust-1",
           "allocations": [{"invoice_id": "inv-1", "invoice_number": "INV-000123", "amount_minor": 100000},
                           {"invoice_number": "INV-000124", "amount_minor": 50000}]}


def test_a_receipt_shows_the_payment_and_the_invoices_it_paid():
    paid = invoice(amount_paid_minor=147000, amount_due_minor=0, status="paid")
    data = pdf.render_receipt(PAYMENT, [paid], ORG, png())
    found = text(data)
    for expected in ("RECEIPT", "RCT-000007", "5 May 2026", "Stripe", "pi_3Nabc", "1,500.00 EUR",
                     "INV-000123", "1,000.00", "INV-000124", "500.00", "1,470.00", "Zoë's Rösterei"):
        assert expected in found, expected
    assert images(data) == 1
    meta = read(data).metadata
    assert (meta.title, meta.author) == ("Receipt RCT-000007", "Zoë's Rösterei")
    assert (15, 118, 110) in fill_colours(data)


def test_an_invoice_refunded_in_part_says_what_went_back_and_that_nothing_is_due():
    found = text(pdf.render_invoice(invoice(amount_paid_minor=30000, amount_due_minor=0, refunded_minor=8500,
                                            status="paid"), ORG, None))
    assert "Refunded to you" in found and "85.00 EUR" in found
    assert "Refunded to you" not in text(pdf.render_invoice(invoice(), ORG, None))


def test_a_partly_refunded_receipt_says_what_went_back_and_only_a_full_refund_is_marked():
    partly = text(pdf.render_receipt({**PAYMENT, "status": "refunded", "refunded_minor": 8500}, [], ORG, None))
    assert "Refunded to you" in partly and "85.00 EUR" in partly and "REFUNDED" not in partly
    full = text(pdf.render_receipt({**PAYMENT, "status": "refunded", "refunded_minor": 150000}, [], ORG, None))
    assert "REFUNDED" in full and "Refunded to you" in full


def test_a_receipt_without_a_number_uses_the_payment_id_and_a_pending_one_is_marked():
    bare = {"payment_id": "pay-9", "amount_minor": 700, "currency": "JPY", "gateway": "simulated",
            "gateway_reference": None, "settled_at": None, "status": "pending",
            "allocations": [{"invoice_id": "inv-9", "amount_minor": 500}]}
    found = text(pdf.render_receipt(bare, [], ORG, None))
    assert "pay-9" in found and "700 JPY" in found and "Simulated gateway" in found
    assert "Not allocated" in found and "200 JPY" in found and "PENDING" in found


# --- who sells and who pays ----------------------------------------------------------------

SELLER = {**ORG, "settings": {**ORG["settings"], "seller_address": ["Hafenstraße 7", "20457 Hamburg", "Germany"],
                              "seller_tax_id": "DE 811 907 980"}}
BILL_TO = {"customer_name": "Bolt & Nut Ltd", "customer_address": ["1 Quay Street", "Leeds LS1 4AP"],
           "customer_tax_id": "GB 123 4567 89"}


def test_bill_to_names_the_customer_with_address_and_tax_id_never_the_internal_id():
    found = text(pdf.render_invoice(invoice(customer_id="c0ffee-internal-id", **BILL_TO), SELLER, None))
    for expected in ("Bill to", "Bolt & Nut Ltd", "1 Quay Street", "Leeds LS1 4AP", "Tax ID GB 123 4567 89"):
        assert expected in found, expected
    assert "c0ffee-internal-id" not in found
    unknown = text(pdf.render_invoice(invoice(customer_id="c0ffee-internal-id", customer_name=None), ORG, None))
    assert "c0ffee-internal-id" not in unknown and "Bill to\n—" in unknown       # name not heard yet: a dash


def test_the_seller_block_has_the_orgs_name_address_and_tax_id():
    found = text(pdf.render_invoice(invoice(), SELLER, png()))
    for expected in ("Zoë's Rösterei", "Hafenstraße 7", "20457 Hamburg", "Germany", "Tax ID DE 811 907 980"):
        assert expected in found, expected
    assert "Tax ID" not in text(pdf.render_invoice(invoice(), ORG, None))        # none set: no empty label


def test_discounts_print_with_a_minus_sign_on_the_lines_and_in_the_totals():
    found = text(pdf.render_invoice(invoice(), ORG, None))
    assert "-25.00\n(10 %)" in found or "-25.00 (10 %)" in found               # the line's discount cell
    assert "-25.00 EUR" in found                                                  # the totals
    assert not re.search(r"(?<![\d,.-])25\.00", found)                            # never without its sign
    note = {"number": "CN-1", "currency": "EUR", "customer_id": "cust-1", **BILL_TO,
            "lines": [line("Beans", "1", 10000, "0", discount_minor=1000, total_minor=9000)],
            "subtotal_minor": 10000, "discount_minor": 1000, "tax_minor": 0, "total_minor": 9000}
    credit = text(pdf.render_credit_note(note, SELLER, None))
    assert "-10.00 EUR" in credit and not re.search(r"(?<![\d,.-])10\.00(?! EUR)", credit)
    assert "Bolt & Nut Ltd" in credit and "cust-1" not in credit and "Tax ID DE 811 907 980" in credit


def test_a_receipt_and_a_statement_name_the_customer_the_same_way():
    receipt = text(pdf.render_receipt({**PAYMENT, **BILL_TO}, [], SELLER, None))
    assert "Received from" in receipt and "Leeds LS1 4AP" in receipt and "GB 123 4567 89" in receipt
    assert "cust-1" not in receipt and "20457 Hamburg" in receipt
    found = {"customer_id": "cust-1", **BILL_TO, "currency": "EUR", "starts": "2026-03-01", "ends": "2026-03-31",
             "opening_balance_minor": 0, "closing_balance_minor": 5000, "entries": [], "ageing": {"total": 5000}}
    statement = text(statement_pdf.render_statement(found, SELLER, None))
    for expected in ("Statement for", "Bolt & Nut Ltd", "1 Quay Street", "Tax ID GB 123 4567 89",
                     "Hafenstraße 7", "Tax ID DE 811 907 980"):
        assert expected in statement, expected
    assert "cust-1" not in statement
