"""Branded PDFs of billing's documents: invoices and payment receipts (fpdf2).

Each document carries the org's name and logo at the top (on the first page with the
org's address and tax id, `seller_address`/`seller_tax_id` of its settings, as the seller), its brand colour in the header
band, the table headings and the amount due (with black or white text, whichever reads
better on it), and the org as the PDF's author. Rendering is pure: it takes plain dicts
(the same as the API answers) and the logo's bytes, and fetches nothing; the caller gets
the logo beforehand (adapters/identity_logo.py), outside any database transaction.

Fonts: services/chassis/pdf.py (DejaVu Sans where the system has it, else Helvetica); the
folder can be named by BILLING_PDF_FONT_DIR, which the caller reads and hands in as
`font_dir` (api/documents.py).

Amounts are shown in major units with the currency's own number of decimals (none for JPY,
three for BHD), grouped by thousands and followed by the ISO 4217 code ("1,234.56 EUR"):
unambiguous in every country, unlike "$".
"""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from fpdf.fonts import FontFace

from contracts.words import invoice_status
from services.billing.domain.money import format_major
from services.chassis.pdf import UnicodePDF

DEFAULT_BRAND = "#1d4ed8"                      # the portal's own blue (no brand colour set)
INK, MUTED, RULE = (17, 24, 39), (100, 110, 125), (210, 214, 220)
LOGO_MAX_W, LOGO_MAX_H = 45.0, 20.0            # mm
LOGO_MAX_PIXELS = 4096 * 4096
GATEWAYS = {"stripe": "Stripe", "paypal": "PayPal", "simulated": "Simulated gateway",
            "offline": "Recorded by staff"}


# --- small formatters ---------------------------------------------------------------------

def money(amount_minor: int | None, currency: str) -> str:
    """12345678 EUR -> "123,456.78 EUR"; 5000 JPY -> "5,000 JPY"; 1234 BHD -> "1.234 BHD"."""
    text = format_major(int(amount_minor or 0), currency)
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, part = text.partition(".")
    return f"{sign}{int(whole):,}{'.' + part if part else ''} {currency}"


def day(value: str | None) -> str:
    """An ISO date or time as "4 May 2026" (the day only: the time of issue is noise)."""
    if not value:
        return "—"
    try:
        d = date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{d.day} {d:%B %Y}"


def percent(value) -> str:
    if value is None or value == "":
        return "—"
    number = Decimal(str(value))
    return f"{number.normalize():f} %" if number else "0 %"


def _rgb(colour: str | None) -> tuple[int, int, int]:
    colour = (colour or "").strip().lower()
    if len(colour) != 7 or colour[0] != "#":
        colour = DEFAULT_BRAND
    try:
        return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return _rgb(DEFAULT_BRAND)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def readable_on(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """White or near-black text, whichever has the higher WCAG contrast on `rgb`."""
    lum = _luminance(rgb)
    on_white = 1.05 / (lum + 0.05)
    on_black = (lum + 0.05) / (_luminance(INK) + 0.05)
    return (255, 255, 255) if on_white >= on_black else INK


def image_kind(data: bytes | None) -> str | None:
    """"png" or "jpeg" from the first bytes, when its size in pixels is sane; anything else
    (WebP, SVG, junk, a small file that would decode to gigabytes) is not embedded."""
    if not data:
        return None
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        kind, size = "png", (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))
    elif data.startswith(b"\xff\xd8\xff"):
        kind, size = "jpeg", _jpeg_size(data)
    else:
        return None
    return kind if size and 0 < size[0] * size[1] <= LOGO_MAX_PIXELS else None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the first start-of-frame segment."""
    i = 2
    while i + 9 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:                      # fill byte
            i += 1
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    return None


# --- the document -------------------------------------------------------------------------

class _Document(UnicodePDF):
    """A4 page with the org's header band and a footer; text through the chosen font."""

    def __init__(self, org: dict, logo: bytes | None, title: str, number: str, watermark: str | None,
                 font_dir: str | None = None):
        super().__init__(orientation="P", unit="mm", format="A4")
        settings = org.get("settings") or {}
        self.org_name = org.get("name") or org.get("org_id") or ""
        self.seller = [*(settings.get("seller_address") or []),
                       *([f"Tax ID {settings['seller_tax_id']}"] if settings.get("seller_tax_id") else [])]
        self.brand = _rgb(settings.get("brand_colour"))
        self.on_brand = readable_on(self.brand)
        self.logo = logo if image_kind(logo) else None
        self.doc_title, self.doc_number, self.watermark = title, number, watermark
        self.family = self.use_fonts(font_dir)
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=20)
        self.set_title(f"{title} {number}")
        self.set_author(self.org_name)
        self.set_subject(f"{title} {number} from {self.org_name}")
        self.set_creator("Customer Portal")
        self.set_lang("en")
        self.alias_nb_pages()


    def font(self, size: float, bold: bool = False, colour=INK) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.set_text_color(*colour)

    # fpdf2 calls these on every page
    def header(self) -> None:
        if self.watermark:
            self._draw_watermark()
        top = 12.0
        logo_w = self._draw_logo(top) if self.logo else 0.0
        self.set_xy(15 + (logo_w + 5 if logo_w else 0), top)
        self.font(16, bold=True)
        self.multi_cell(self.epw - (logo_w + 5 if logo_w else 0), 7, self.org_name, align="L")
        if self.seller and self.page_no() == 1:
            self.font(8.5, colour=MUTED)
            for line in self.seller:
                self.set_x(15 + (logo_w + 5 if logo_w else 0))
                self.multi_cell(self.epw - (logo_w + 5 if logo_w else 0), 4.2, line, align="L")
        band_y = max(self.get_y(), top + (LOGO_MAX_H if logo_w else 0)) + 3
        self.set_fill_color(*self.brand)
        self.rect(0, band_y, self.w, 14, style="F")
        self.set_xy(15, band_y + 3)
        self.font(15, bold=True, colour=self.on_brand)
        self.cell(self.epw / 2, 8, self.doc_title.upper())
        self.font(12, bold=True, colour=self.on_brand)
        self.cell(self.epw / 2, 8, self.doc_number, align="R")
        self.set_xy(15, band_y + 20)
        self.font(10)

    def _draw_logo(self, top: float) -> float:
        """The logo in at most LOGO_MAX_W x LOGO_MAX_H mm; a broken image is left out."""
        try:
            info = self.image(io.BytesIO(self.logo), x=15, y=top, h=LOGO_MAX_H, keep_aspect_ratio=True,
                              w=LOGO_MAX_W)
        except Exception:  # noqa: BLE001 - a logo must never break a document
            self.logo = None
            return 0.0
        return float(getattr(info, "rendered_width", LOGO_MAX_W) or LOGO_MAX_W)

    def _draw_watermark(self) -> None:
        with self.local_context(fill_opacity=0.12, text_color=(200, 30, 30)):
            self.set_font(self.family, "B", 110)
            with self.rotation(45, x=self.w / 2, y=self.h / 2):
                self.text(self.w / 2 - self.get_string_width(self.watermark) / 2, self.h / 2 + 15,
                          self.watermark)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_draw_color(*RULE)
        self.line(15, self.get_y(), self.w - 15, self.get_y())
        self.font(8, colour=MUTED)
        self.cell(self.epw / 2, 8, f"{self.org_name} · {self.doc_title} {self.doc_number}")
        self.cell(self.epw / 2, 8, f"Page {self.page_no()} of {{nb}}", align="R")

    # building blocks
    def party(self, label: str, found: dict) -> None:
        """"Bill to" and the like, at the left margin: the customer's name, billing address
        lines and tax id (`customer_name`, `customer_address`, `customer_tax_id`). Never the
        customer's internal id: it means nothing on paper; before billing has heard the
        customer's name (its event is on its way) a dash stands in."""
        self.font(9, colour=MUTED)
        self.cell(90, 5, label, new_x="LMARGIN", new_y="NEXT")
        self.font(11, bold=True)
        self.multi_cell(90, 6, found.get("customer_name") or "—", new_x="LMARGIN", new_y="NEXT")
        self.font(9.5)
        for line in found.get("customer_address") or []:
            self.multi_cell(90, 5, line, new_x="LMARGIN", new_y="NEXT")
        if found.get("customer_tax_id"):
            self.font(9, colour=MUTED)
            self.multi_cell(90, 5, f"Tax ID {found['customer_tax_id']}", new_x="LMARGIN", new_y="NEXT")

    def label_values(self, x: float, width: float, pairs: list[tuple[str, str]]) -> float:
        """A block of "Label  value" rows at x; returns the y below it."""
        y = self.get_y()
        for label, value in pairs:
            self.set_xy(x, y)
            self.font(9, colour=MUTED)
            self.cell(width * 0.42, 5.5, label)
            self.font(9.5, bold=label in ("Amount due", "Amount paid"))
            self.multi_cell(width * 0.58, 5.5, value, align="R" if x > 60 else "L")
            y = self.get_y()
        return y

    def heading(self, text: str) -> None:
        self.ln(2)
        self.font(11, bold=True)
        self.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")

    def table_style(self) -> FontFace:
        return FontFace(family=self.family, emphasis="BOLD", size_pt=9, color=self.on_brand,
                        fill_color=self.brand)

    def totals(self, rows: list[tuple[str, str]], emphasised: str) -> None:
        """Right-aligned summary; the `emphasised` row sits on the brand colour."""
        width, x = 85.0, self.w - 15 - 85.0
        self.ln(3)
        for label, value in rows:
            if self.will_page_break(7):
                self.add_page()
            strong = label == emphasised
            self.set_x(x)
            if strong:
                self.set_fill_color(*self.brand)
                self.font(10.5, bold=True, colour=self.on_brand)
            else:
                self.font(9.5, colour=INK)
            self.cell(width * 0.5, 7 if strong else 6, f" {label}", fill=strong)
            self.cell(width * 0.5, 7 if strong else 6, f"{value} ", align="R", fill=strong,
                      new_x="LMARGIN", new_y="NEXT")
        self.font(10)

    def notes(self, text: str | None) -> None:
        if not text:
            return
        self.ln(4)
        self.heading("Notes")
        self.font(9.5)
        self.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")


def _render(doc: _Document) -> bytes:
    return bytes(doc.output())


# --- invoices -----------------------------------------------------------------------------

def render_invoice(invoice: dict, org: dict, logo: bytes | None, font_dir: str | None = None) -> bytes:
    """The invoice as a branded A4 PDF. `invoice` is an invoice detail (API.md "Invoice")
    with the customer's name, address and tax id (queries/customers.bill_to), `org` billing's
    copy of the org ({name, settings}: the seller's address and tax id are settings), `logo`
    the PNG/JPEG bytes or None. A draft is watermarked DRAFT and a void invoice VOID.
    Discounts are amounts taken off, so they print with a minus sign, on the lines as in
    the totals."""
    currency = invoice["currency"]
    status = invoice.get("status") or ""
    number = invoice.get("number") or "Draft"
    watermark = {"draft": "DRAFT", "void": "VOID"}.get(status)
    doc = _Document(org, logo, "Invoice", number, watermark, font_dir)
    doc.add_page()

    top = doc.get_y()
    doc.party("Bill to", invoice)
    left_end = doc.get_y()
    doc.set_y(top)
    right_end = doc.label_values(105, 90, [
        ("Invoice number", number), ("Issued", day(invoice.get("issued_at"))),
        ("Due date", day(invoice.get("due_date"))), ("Status", invoice_status(status)),
        ("Currency", currency)])
    doc.set_xy(15, max(left_end, right_end) + 6)

    doc.font(9)
    with doc.table(col_widths=(58, 15, 25, 25, 15, 26, 26), text_align=(
            "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
            headings_style=doc.table_style(), line_height=5.5, padding=1.5,
            borders_layout="HORIZONTAL_LINES", width=doc.epw) as table:
        table.row(["Description", "Qty", "Unit price", "Discount", "Tax", "Net", "Total"])
        for line in invoice.get("lines") or []:
            discount = "—"
            if line.get("discount_minor"):
                discount = _plain(-line["discount_minor"], currency)         # taken off: a minus
                if line.get("discount_percent") not in (None, ""):
                    discount += f"\n({percent(line['discount_percent'])})"
            table.row([line.get("description") or "", f"{Decimal(str(line.get('quantity', 0))).normalize():f}",
                       _plain(line.get("unit_price_minor"), currency), discount,
                       percent(line.get("tax_rate")), _plain(line.get("net_minor"), currency),
                       _plain(line.get("total_minor"), currency)])
    doc.font(8, colour=MUTED)
    doc.cell(0, 5, f"Amounts in {currency}; line totals include tax.", new_x="LMARGIN", new_y="NEXT")

    rows = [("Subtotal", money(invoice.get("subtotal_minor"), currency))]
    if invoice.get("discount_minor"):
        rows.append(("Discount", money(-invoice["discount_minor"], currency)))
    taxes = invoice.get("taxes") or []
    if len(taxes) > 1:
        rows += [(f"Tax {percent(t['rate'])} on {_plain(t['taxable_minor'], currency)}",
                  money(t["tax_minor"], currency)) for t in taxes]
    else:
        rate = f" {percent(taxes[0]['rate'])}" if taxes else ""
        rows.append((f"Tax{rate}", money(invoice.get("tax_minor"), currency)))
    rows += [("Total", money(invoice.get("total_minor"), currency)),
             ("Paid", money(invoice.get("amount_paid_minor"), currency))]
    if invoice.get("refunded_minor"):               # given back, the invoice still paid (queries.invoices)
        rows.append(("Refunded to you", money(invoice["refunded_minor"], currency)))
    rows.append(("Amount due", money(invoice.get("amount_due_minor"), currency)))
    doc.totals(rows, emphasised="Amount due")
    doc.notes(invoice.get("notes"))
    return _render(doc)


def _plain(amount_minor: int | None, currency: str) -> str:
    """An amount in a column whose currency is said once: "1,234.56"."""
    return money(amount_minor, currency).rsplit(" ", 1)[0]


# --- receipts -----------------------------------------------------------------------------

def render_receipt(payment: dict, invoices: list[dict], org: dict, logo: bytes | None,
                   font_dir: str | None = None) -> bytes:
    """A payment's receipt: what was paid, when, how, and which invoices it settled.

    `payment`: {payment_id, receipt_number (or number), amount_minor, currency, gateway,
    gateway_reference, settled_at, status, allocations: [{invoice_id and/or invoice_number,
    amount_minor}]}; `invoices`: the details of the invoices it was allocated to (for their
    numbers, totals and what is still due). A payment not (yet) settled is watermarked with
    its status: only a settled payment has a true receipt. One refunded in part is still the
    receipt of what was paid, with what went back (`refunded_minor`) under it; only one
    refunded in full is watermarked REFUNDED."""
    currency = payment["currency"]
    number = str(payment.get("receipt_number") or payment.get("number") or payment.get("payment_id") or "")
    status = payment.get("status")
    refunded = int(payment.get("refunded_minor") or 0)
    if status == "refunded" and refunded < int(payment.get("amount_minor") or 0):
        status = "settled"                                  # partly refunded: a true receipt
    watermark = status.upper() if status and status != "settled" else None
    doc = _Document(org, logo, "Receipt", number, watermark, font_dir)
    doc.add_page()

    top = doc.get_y()
    doc.party("Received from", payment)
    left_end = doc.get_y()
    doc.set_y(top)
    gateway = payment.get("gateway") or ""
    right_end = doc.label_values(105, 90, [
        ("Receipt number", number), ("Paid on", day(payment.get("settled_at"))),
        ("Method", GATEWAYS.get(gateway, gateway.replace("_", " ").capitalize() or "—")),
        ("Reference", payment.get("gateway_reference") or "—"),
        ("Amount paid", money(payment.get("amount_minor"), currency))])
    doc.set_xy(15, max(left_end, right_end) + 6)

    by_id = {i.get("invoice_id"): i for i in invoices if i.get("invoice_id")}
    by_number = {i.get("number"): i for i in invoices if i.get("number")}
    doc.heading("Applied to")
    doc.font(9)
    with doc.table(col_widths=(50, 35, 35, 35, 35), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                   headings_style=doc.table_style(), line_height=5.5, padding=1.5,
                   borders_layout="HORIZONTAL_LINES", width=doc.epw) as table:
        table.row(["Invoice", "Issued", "Invoice total", "Paid now", "Still due"])
        for allocation in payment.get("allocations") or []:
            invoice = (by_id.get(allocation.get("invoice_id"))
                       or by_number.get(allocation.get("invoice_number") or allocation.get("number")) or {})
            label = (allocation.get("invoice_number") or allocation.get("number") or invoice.get("number")
                     or allocation.get("invoice_id") or "")
            table.row([label, day(invoice.get("issued_at")) if invoice else "—",
                       _plain(invoice["total_minor"], currency) if "total_minor" in invoice else "—",
                       _plain(allocation.get("amount_minor"), currency),
                       _plain(invoice["amount_due_minor"], currency) if "amount_due_minor" in invoice else "—"])
    doc.font(8, colour=MUTED)
    doc.cell(0, 5, f"Amounts in {currency}.", new_x="LMARGIN", new_y="NEXT")
    allocated = sum(int(a.get("amount_minor") or 0) for a in payment.get("allocations") or [])
    rows = [("Allocated to invoices", money(allocated, currency))]
    unallocated = int(payment.get("amount_minor") or 0) - allocated
    if unallocated:
        rows.append(("Not allocated", money(unallocated, currency)))
    rows.append(("Amount paid", money(payment.get("amount_minor"), currency)))
    if refunded:
        rows.append(("Refunded to you", money(refunded, currency)))
    doc.totals(rows, emphasised="Amount paid")
    doc.notes(payment.get("notes") or "Thank you for your payment.")
    return _render(doc)


# --- credit notes -------------------------------------------------------------------------

def render_credit_note(note: dict, org: dict, logo: bytes | None, font_dir: str | None = None) -> bytes:
    """A credit note as a branded A4 PDF, in the invoice's look: its lines, totals, what was
    applied to which invoice and refunded, and what is left. `note` is a credit note detail
    (API.md "Credit notes"); a note with nothing left is not watermarked: it stays valid."""
    currency = note["currency"]
    number = note.get("number") or ""
    doc = _Document(org, logo, "Credit note", number, None, font_dir)
    doc.add_page()

    top = doc.get_y()
    doc.party("Credit to", note)
    left_end = doc.get_y()
    doc.set_y(top)
    right_end = doc.label_values(105, 90, [
        ("Credit note number", number), ("Issued", day(note.get("issued_at"))),
        ("Against invoice", note.get("invoice_number") or "—"), ("Currency", currency)])
    doc.set_xy(15, max(left_end, right_end) + 6)

    doc.font(9)
    with doc.table(col_widths=(73, 15, 25, 25, 15, 37), text_align=(
            "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
            headings_style=doc.table_style(), line_height=5.5, padding=1.5,
            borders_layout="HORIZONTAL_LINES", width=doc.epw) as table:
        table.row(["Description", "Qty", "Unit price", "Discount", "Tax", "Total"])
        for line in note.get("lines") or []:
            table.row([line.get("description") or "", f"{Decimal(str(line.get('quantity', 0))).normalize():f}",
                       _plain(line.get("unit_price_minor"), currency),
                       _plain(-line["discount_minor"], currency) if line.get("discount_minor") else "—",
                       percent(line.get("tax_rate")), _plain(line.get("total_minor"), currency)])
    doc.font(8, colour=MUTED)
    doc.cell(0, 5, f"Amounts in {currency}; line totals include tax.", new_x="LMARGIN", new_y="NEXT")

    applications = note.get("applications") or []
    refunds = note.get("refunds") or []
    if applications or refunds:
        doc.heading("Used")
        doc.font(9)
        with doc.table(col_widths=(60, 60, 60), text_align=("LEFT", "LEFT", "RIGHT"),
                       headings_style=doc.table_style(), line_height=5.5, padding=1.5,
                       borders_layout="HORIZONTAL_LINES", width=doc.epw) as table:
            table.row(["Date", "Used for", "Amount"])
            for a in applications:
                table.row([day(a.get("applied_at")), f"Invoice {a.get('invoice_number') or a.get('invoice_id')}",
                           _plain(a.get("amount_minor"), currency)])
            for r in refunds:
                table.row([day(r.get("refunded_at")), "Refunded to the customer", _plain(r.get("amount_minor"), currency)])

    rows = [("Subtotal", money(note.get("subtotal_minor"), currency))]
    if note.get("discount_minor"):
        rows.append(("Discount", money(-note["discount_minor"], currency)))
    rows += [("Tax", money(note.get("tax_minor"), currency)),
             ("Total credit", money(note.get("total_minor"), currency)),
             ("Applied to invoices", money(note.get("applied_minor"), currency)),
             ("Refunded", money(note.get("refunded_minor"), currency)),
             ("Credit left", money(note.get("remaining_minor"), currency))]
    doc.totals(rows, emphasised="Credit left")
    doc.notes(note.get("reason"))
    return _render(doc)
