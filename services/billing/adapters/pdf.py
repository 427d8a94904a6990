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

Language: every render takes the reader's `locale` (LOCALES; the gateway asks for the page's
language). The words come from billing's catalogues (services/billing/translations, through
services/chassis/i18n.py; the English text is the msgid, so English stays as it was),
amounts and dates are written the locale's way (Babel: "1.234,56 EUR", "4. Mai 2026"; the ISO
code still follows). Arabic is shaped (joined letters, right-to-left lines: fpdf2's text
shaping with uharfbuzz) and laid out from the right: the blocks, the tables' columns and the
alignments are mirrored; amounts and numbers keep their Latin digits.
"""
from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_decimal
from fpdf.fonts import FontFace

from contracts.events.identity import PORTAL_LANGUAGES
from contracts.words import invoice_status
from services.billing.domain.money import format_major
from services.chassis.i18n import N_, translations
from services.chassis.pdf import UnicodePDF

DEFAULT_BRAND = "#1d4ed8"                      # the portal's own blue (no brand colour set)
INK, MUTED, RULE = (17, 24, 39), (100, 110, 125), (210, 214, 220)
LOGO_MAX_W, LOGO_MAX_H = 45.0, 20.0            # mm
LOGO_MAX_PIXELS = 4096 * 4096
WATERMARK_MAX_W = 280.0                        # mm along the diagonal (A4: 363)
GATEWAYS = {"stripe": "Stripe", "paypal": "PayPal", "simulated": N_("Simulated gateway"),
            "offline": N_("Recorded by staff")}
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
LOCALES = PORTAL_LANGUAGES
RIGHT_TO_LEFT = frozenset({"ar"})
# contracts.words' status words, marked here so billing's catalogue holds them
# (tests/unit/billing/test_pdf_locales.py checks none is missing).
STATUS_WORDS = (N_("Draft"), N_("Unpaid"), N_("Partly paid"), N_("Overdue"), N_("Paid"), N_("Void"),
                N_("Payment in progress"))
WATERMARKS = {"draft": N_("DRAFT"), "void": N_("VOID"), "initiated": N_("INITIATED"),
              "pending": N_("PENDING"), "failed": N_("FAILED"), "refunded": N_("REFUNDED")}
SHORT_DAY = {"de": "d. MMM y"}                  # else "d MMM y"


def locale_of(asked: str | None) -> str:
    """One of LOCALES; anything else (nothing, "pt", "de-CH") is English."""
    return asked if asked in LOCALES else "en"


# --- small formatters ---------------------------------------------------------------------

def money(amount_minor: int | None, currency: str, locale: str = "en") -> str:
    """12345678 EUR -> "123,456.78 EUR"; 5000 JPY -> "5,000 JPY"; 1234 BHD -> "1.234 BHD";
    in German "123.456,78 EUR", in French "123 456,78 EUR" (Babel's grouping and decimal marks)."""
    text = format_major(int(amount_minor or 0), currency)
    if locale != "en":
        decimals = len(text.partition(".")[2])
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return f"{format_decimal(Decimal(text), pattern, locale=locale)} {currency}"
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, part = text.partition(".")
    return f"{sign}{int(whole):,}{'.' + part if part else ''} {currency}"


def day(value: str | None, locale: str = "en") -> str:
    """An ISO date or time as "4 May 2026", "4. Mai 2026", "4 mai 2026" (the day only: the
    time of issue is noise)."""
    if not value:
        return "—"
    try:
        d = date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{d.day} {d:%B %Y}" if locale == "en" else format_date(d, "long", locale=locale)


def short_day(iso_day: str, locale: str = "en") -> str:
    """"2 Mar 2026", "2. März 2026": fits a table's date column on one line."""
    d = date.fromisoformat(iso_day[:10])
    if locale == "en":
        return f"{d.day} {d:%b} {d.year}"
    return format_date(d, SHORT_DAY.get(locale, "d MMM y"), locale=locale)


def decimal_text(value, locale: str = "en") -> str:
    """A quantity or rate as written: "2.5", in German "2,5"."""
    text = f"{Decimal(str(value)).normalize():f}"
    return text if locale == "en" else format_decimal(Decimal(text), "#,##0.##########", locale=locale)


def percent(value, locale: str = "en") -> str:
    if value is None or value == "":
        return "—"
    figure = Decimal(str(value))
    return f"{decimal_text(figure, locale)} %" if figure else "0 %"


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


def _pixel_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG image_kind accepted."""
    if data.startswith(b"\x89PNG"):
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return _jpeg_size(data)


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
    """A4 page with the org's header band and a footer; text through the chosen font, words
    in the reader's language (`gettext`), mirrored from the right for a right-to-left one."""

    def __init__(self, org: dict, logo: bytes | None, title: str, number: str, watermark: str | None,
                 font_dir: str | None = None, locale: str = "en"):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.locale = locale_of(locale)
        self.gettext = translations(TRANSLATIONS, self.locale).gettext
        self.rtl = self.locale in RIGHT_TO_LEFT
        _ = self.gettext
        settings = org.get("settings") or {}
        self.org_name = org.get("name") or org.get("org_id") or ""
        self.seller = [*(settings.get("seller_address") or []),
                       *([_("Tax ID %(number)s") % {"number": settings["seller_tax_id"]}]
                         if settings.get("seller_tax_id") else [])]
        self.brand = _rgb(settings.get("brand_colour"))
        self.on_brand = readable_on(self.brand)
        self.logo = logo if image_kind(logo) else None
        self.doc_title, self.doc_number, self.watermark = title, number, watermark
        self.family = self.use_fonts(font_dir)
        if self.rtl:
            self._shape()
        self.start = "R" if self.rtl else "L"
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=20)
        self.set_title(f"{title} {number}")
        self.set_author(self.org_name)
        self.set_subject(_("%(document)s %(number)s from %(org)s")
                         % {"document": title, "number": number, "org": self.org_name})
        self.set_creator("Customer Portal")
        self.set_lang(self.locale)
        self.alias_nb_pages()

    def _shape(self) -> None:
        """Joined letters and right-to-left lines (HarfBuzz, through uharfbuzz). Only with a
        TrueType font: the built-in Helvetica has no Arabic letters to join anyway."""
        if self.family != "helvetica":
            self.set_text_shaping(True)

    def mirrored(self, x: float, width: float) -> float:
        """The x of a block `width` wide placed at `x` from the left, measured from the right
        for a right-to-left reader."""
        return self.w - x - width if self.rtl else x

    def font(self, size: float, bold: bool = False, colour=INK) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.set_text_color(*colour)

    # fpdf2 calls these on every page
    def header(self) -> None:
        if self.watermark:
            self._draw_watermark()
        top = 12.0
        logo_w = self._draw_logo(top) if self.logo else 0.0
        beside = logo_w + 5 if logo_w else 0
        self.set_xy(self.mirrored(15 + beside, self.epw - beside), top)
        self.font(16, bold=True)
        self.multi_cell(self.epw - beside, 7, self.org_name, align=self.start)
        if self.seller and self.page_no() == 1:
            self.font(8.5, colour=MUTED)
            for line in self.seller:
                self.set_x(self.mirrored(15 + beside, self.epw - beside))
                self.multi_cell(self.epw - beside, 4.2, line, align=self.start)
        band_y = max(self.get_y(), top + (LOGO_MAX_H if logo_w else 0)) + 3
        self.set_fill_color(*self.brand)
        self.rect(0, band_y, self.w, 14, style="F")
        self.set_xy(15, band_y + 3)
        title = (self.doc_title.upper(), self.font_title)
        number = (self.doc_number, self.font_number)
        for (text, styled), align in zip((number, title) if self.rtl else (title, number), ("L", "R")):
            styled()
            self.cell(self.epw / 2, 8, text, align=align)
        self.set_xy(15, band_y + 20)
        self.font(10)

    def font_title(self) -> None:
        self.font(15, bold=True, colour=self.on_brand)

    def font_number(self) -> None:
        self.font(12, bold=True, colour=self.on_brand)

    def _draw_logo(self, top: float) -> float:
        """The logo in at most LOGO_MAX_W x LOGO_MAX_H mm (at the right for a right-to-left
        reader); a broken image is left out."""
        try:
            info = self.image(io.BytesIO(self.logo), x=15, y=top, h=LOGO_MAX_H, keep_aspect_ratio=True,
                              w=LOGO_MAX_W) if not self.rtl else self._logo_at_right(top)
        except Exception:  # noqa: BLE001 - a logo must never break a document
            self.logo = None
            return 0.0
        return float(getattr(info, "rendered_width", LOGO_MAX_W) or LOGO_MAX_W)

    def _logo_at_right(self, top: float):
        """keep_aspect_ratio centres the image in its box; for RTL the logo's own width (from
        its size in pixels) is measured from the right margin, so it sits against it."""
        size = _pixel_size(self.logo)
        width = min(LOGO_MAX_W, LOGO_MAX_H * size[0] / size[1]) if size and size[1] else LOGO_MAX_W
        return self.image(io.BytesIO(self.logo), x=self.w - 15 - width, y=top, h=LOGO_MAX_H,
                          keep_aspect_ratio=True, w=width)

    def _draw_watermark(self) -> None:
        """The status across the page, smaller where the word is long ("FEHLGESCHLAGEN")."""
        with self.local_context(fill_opacity=0.12, text_color=(200, 30, 30)):
            self.set_font(self.family, "B", 110)
            width = self.get_string_width(self.watermark)
            if width > WATERMARK_MAX_W:
                self.set_font(self.family, "B", 110 * WATERMARK_MAX_W / width)
            with self.rotation(45, x=self.w / 2, y=self.h / 2):
                self.text(self.w / 2 - self.get_string_width(self.watermark) / 2, self.h / 2 + 15,
                          self.watermark)

    def footer(self) -> None:
        _ = self.gettext
        self.set_y(-14)
        self.set_draw_color(*RULE)
        self.line(15, self.get_y(), self.w - 15, self.get_y())
        self.font(8, colour=MUTED)
        which = f"{self.org_name} · {self.doc_title} {self.doc_number}"
        if self.rtl:        # "{nb}" is filled in after shaping: its room would stay a gap mid-line
            page = _("Page %(page)s") % {"page": self.page_no()}
        else:
            page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        for text, align in zip((page, which) if self.rtl else (which, page), ("L", "R")):
            self.cell(self.epw / 2, 8, text, align=align)

    # building blocks
    def party(self, label: str, found: dict) -> None:
        """"Bill to" and the like, at the start of the line: the customer's name, billing
        address lines and tax id (`customer_name`, `customer_address`, `customer_tax_id`).
        Never the customer's internal id: it means nothing on paper; before billing has
        heard the customer's name (its event is on its way) a dash stands in."""
        x, align = self.mirrored(15, 90), "R" if self.rtl else "J"
        self.font(9, colour=MUTED)
        self.set_x(x)
        self.cell(90, 5, label, align=self.start, new_x="LMARGIN", new_y="NEXT")
        self.font(11, bold=True)
        self.set_x(x)
        self.multi_cell(90, 6, found.get("customer_name") or "—", align=align, new_x="LMARGIN", new_y="NEXT")
        self.font(9.5)
        for line in found.get("customer_address") or []:
            self.set_x(x)
            self.multi_cell(90, 5, line, align=align, new_x="LMARGIN", new_y="NEXT")
        if found.get("customer_tax_id"):
            self.font(9, colour=MUTED)
            self.set_x(x)
            self.multi_cell(90, 5, self.gettext("Tax ID %(number)s") % {"number": found["customer_tax_id"]},
                            align=align, new_x="LMARGIN", new_y="NEXT")

    def label_values(self, x: float, width: float, pairs: list[tuple[str, str]]) -> float:
        """A block of "Label  value" rows at x (mirrored for RTL: the label at the right);
        returns the y below it."""
        _ = self.gettext
        y, strong = self.get_y(), (_("Amount due"), _("Amount paid"))
        value_align = "R" if x > 60 else "L"
        left = self.mirrored(x, width)
        for label, value in pairs:
            self.font(9, colour=MUTED)
            if self.rtl:
                self.set_xy(left + width * 0.58, y)
                self.cell(width * 0.42, 5.5, label, align="R")
                self.set_xy(left, y)
                self.font(9.5, bold=label in strong)
                self.multi_cell(width * 0.58, 5.5, value, align="L" if value_align == "R" else "R")
            else:
                self.set_xy(x, y)
                self.cell(width * 0.42, 5.5, label)
                self.font(9.5, bold=label in strong)
                self.multi_cell(width * 0.58, 5.5, value, align=value_align)
            y = self.get_y()
        return y

    def heading(self, text: str) -> None:
        self.ln(2)
        self.font(11, bold=True)
        self.cell(0, 7, text, align=self.start if self.rtl else "", new_x="LMARGIN", new_y="NEXT")

    def small_print(self, text: str, wrap: bool = False) -> None:
        """A muted line under a table ("Amounts in EUR."); `wrap`: a paragraph."""
        self.font(8, colour=MUTED)
        if wrap:
            self.multi_cell(0, 4.5, text, align="R" if self.rtl else "J", new_x="LMARGIN", new_y="NEXT")
        else:
            self.cell(0, 5, text, align=self.start, new_x="LMARGIN", new_y="NEXT")

    def table_style(self) -> FontFace:
        return FontFace(family=self.family, emphasis="BOLD", size_pt=9, color=self.on_brand,
                        fill_color=self.brand)

    @contextmanager
    def grid(self, col_widths: tuple, text_align: tuple, headings: list[str]):
        """A table in the documents' style with its `headings`; yields `row(cells)`. A column is
        made as wide as its heading's longest word ("Menge", "الكمية" must not break mid-word).
        For RTL the columns run from the right: their order and their alignments are mirrored."""
        col_widths = self._fitted(col_widths, headings)
        if self.rtl:
            col_widths = tuple(reversed(col_widths))
            text_align = tuple({"LEFT": "RIGHT", "RIGHT": "LEFT"}.get(a, a) for a in reversed(text_align))
        with self.table(col_widths=col_widths, text_align=text_align, headings_style=self.table_style(),
                        line_height=5.5, padding=1.5, borders_layout="HORIZONTAL_LINES",
                        width=self.epw) as table:
            def row(cells):
                table.row(list(reversed(cells)) if self.rtl else cells)
            row(headings)
            yield row

    def _fitted(self, col_widths: tuple, headings: list[str]) -> tuple:
        """`col_widths` (proportions of the page's width) with each column at least as wide as
        its heading's longest word, the room taken from the widest column; unchanged where
        every heading fits (English)."""
        scale = self.epw / sum(col_widths)
        widths = [w * scale for w in col_widths]
        size, family = self.font_size_pt, self.font_family
        style = self.font_style
        self.set_font(self.family, "B", 9)
        room = 2 * 1.5 + 2 * self.c_margin + 0.5               # the padding, the cell margins, a little air
        needed = [max((self.get_string_width(word) for word in heading.split()), default=0) + room
                  for heading in headings]
        self.set_font(family, style, size)
        short = sum(max(0.0, need - width) for need, width in zip(needed, widths))
        if not short:
            return col_widths
        widest = widths.index(max(widths))
        fitted = [max(width, need) for width, need in zip(widths, needed)]
        fitted[widest] -= short
        return tuple(fitted)

    def totals(self, rows: list[tuple[str, str]], emphasised: str) -> None:
        """The summary at the end of the line (the right, the left for RTL); the `emphasised`
        row sits on the brand colour."""
        width = 85.0
        x = self.mirrored(self.w - 15 - width, width)
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
            height = 7 if strong else 6
            label_w = self._label_width(label, value, width)
            if self.rtl:
                self.cell(width - label_w, height, f" {value}", align="L", fill=strong)
                self.cell(label_w, height, f"{label} ", align="R", fill=strong,
                          new_x="LMARGIN", new_y="NEXT")
            else:
                self.cell(label_w, height, f" {label}", fill=strong)
                self.cell(width - label_w, height, f"{value} ", align="R", fill=strong,
                          new_x="LMARGIN", new_y="NEXT")
        self.font(10)

    def _label_width(self, label: str, value: str, width: float) -> float:
        """Half the row, or more where the label needs it ("Verbleibendes Guthaben"), as long
        as the value still fits beside it."""
        half, needed = width * 0.5, self.get_string_width(f" {label} ") + 1
        if needed <= half:
            return half
        return max(half, min(needed, width - self.get_string_width(f" {value} ") - 1))

    def notes(self, text: str | None) -> None:
        if not text:
            return
        self.ln(4)
        self.heading(self.gettext("Notes"))
        self.font(9.5)
        self.multi_cell(0, 5, text, align=self.start if self.rtl else "J", new_x="LMARGIN", new_y="NEXT")


def _render(doc: _Document) -> bytes:
    return bytes(doc.output())


# --- invoices -----------------------------------------------------------------------------

def render_invoice(invoice: dict, org: dict, logo: bytes | None, font_dir: str | None = None,
                   locale: str = "en") -> bytes:
    """The invoice as a branded A4 PDF in the reader's `locale`. `invoice` is an invoice detail
    (API.md "Invoice") with the customer's name, address and tax id (queries/customers.bill_to),
    `org` billing's copy of the org ({name, settings}: the seller's address and tax id are
    settings), `logo` the PNG/JPEG bytes or None. A draft is watermarked DRAFT and a void
    invoice VOID. Discounts are amounts taken off, so they print with a minus sign, on the
    lines as in the totals."""
    locale = locale_of(locale)
    _ = translations(TRANSLATIONS, locale).gettext
    currency = invoice["currency"]
    status = invoice.get("status") or ""
    number = invoice.get("number") or _("Draft")
    watermark = _(WATERMARKS[status]) if status in ("draft", "void") else None
    doc = _Document(org, logo, _("Invoice"), number, watermark, font_dir, locale)
    doc.add_page()

    def cash(amount_minor):
        return money(amount_minor, currency, locale)

    def plain(amount_minor):
        return _plain(amount_minor, currency, locale)

    top = doc.get_y()
    doc.party(_("Bill to"), invoice)
    left_end = doc.get_y()
    doc.set_y(top)
    right_end = doc.label_values(105, 90, [
        (_("Invoice number"), number), (_("Issued"), day(invoice.get("issued_at"), locale)),
        (_("Due date"), day(invoice.get("due_date"), locale)), (_("Status"), _(invoice_status(status))),
        (_("Currency"), currency)])
    doc.set_xy(15, max(left_end, right_end) + 6)

    doc.font(9)
    headings = [_("Description"), _("Qty"), _("Unit price"), _("Discount"), _("Tax"), _("Net"), _("Total")]
    with doc.grid((58, 15, 25, 25, 15, 26, 26),
                  ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"), headings) as row:
        for line in invoice.get("lines") or []:
            discount = "—"
            if line.get("discount_minor"):
                discount = plain(-line["discount_minor"])                   # taken off: a minus
                if line.get("discount_percent") not in (None, ""):
                    discount += f"\n({percent(line['discount_percent'], locale)})"
            row([line.get("description") or "", decimal_text(line.get("quantity", 0), locale),
                 plain(line.get("unit_price_minor")), discount,
                 percent(line.get("tax_rate"), locale), plain(line.get("net_minor")),
                 plain(line.get("total_minor"))])
    doc.small_print(_("Amounts in %(currency)s; line totals include tax.") % {"currency": currency})

    rows = [(_("Subtotal"), cash(invoice.get("subtotal_minor")))]
    if invoice.get("discount_minor"):
        rows.append((_("Discount"), cash(-invoice["discount_minor"])))
    taxes = invoice.get("taxes") or []
    if len(taxes) > 1:
        rows += [(_("Tax %(rate)s on %(amount)s") % {"rate": percent(t["rate"], locale),
                                                      "amount": plain(t["taxable_minor"])},
                  cash(t["tax_minor"])) for t in taxes]
    elif taxes:
        rows.append((_("Tax %(rate)s") % {"rate": percent(taxes[0]["rate"], locale)}, cash(invoice.get("tax_minor"))))
    else:
        rows.append((_("Tax"), cash(invoice.get("tax_minor"))))
    rows += [(_("Total"), cash(invoice.get("total_minor"))),
             (_("Paid"), cash(invoice.get("amount_paid_minor")))]
    if invoice.get("refunded_minor"):               # given back, the invoice still paid (queries.invoices)
        rows.append((_("Refunded to you"), cash(invoice["refunded_minor"])))
    rows.append((_("Amount due"), cash(invoice.get("amount_due_minor"))))
    doc.totals(rows, emphasised=_("Amount due"))
    doc.notes(invoice.get("notes"))
    return _render(doc)


def _plain(amount_minor: int | None, currency: str, locale: str = "en") -> str:
    """An amount in a column whose currency is said once: "1,234.56"."""
    return money(amount_minor, currency, locale).rsplit(" ", 1)[0]


# --- receipts -----------------------------------------------------------------------------

def render_receipt(payment: dict, invoices: list[dict], org: dict, logo: bytes | None,
                   font_dir: str | None = None, locale: str = "en") -> bytes:
    """A payment's receipt in the reader's `locale`: what was paid, when, how, and which
    invoices it settled.

    `payment`: {payment_id, receipt_number (or number), amount_minor, currency, gateway,
    gateway_reference, settled_at, status, allocations: [{invoice_id and/or invoice_number,
    amount_minor}]}; `invoices`: the details of the invoices it was allocated to (for their
    numbers, totals and what is still due). A payment not (yet) settled is watermarked with
    its status: only a settled payment has a true receipt. One refunded in part is still the
    receipt of what was paid, with what went back (`refunded_minor`) under it; only one
    refunded in full is watermarked REFUNDED."""
    locale = locale_of(locale)
    _ = translations(TRANSLATIONS, locale).gettext
    currency = payment["currency"]
    number = str(payment.get("receipt_number") or payment.get("number") or payment.get("payment_id") or "")
    status = payment.get("status")
    refunded = int(payment.get("refunded_minor") or 0)
    if status == "refunded" and refunded < int(payment.get("amount_minor") or 0):
        status = "settled"                                  # partly refunded: a true receipt
    watermark = None
    if status and status != "settled":
        watermark = _(WATERMARKS[status]) if status in WATERMARKS else status.upper()
    doc = _Document(org, logo, _("Receipt"), number, watermark, font_dir, locale)
    doc.add_page()

    def cash(amount_minor):
        return money(amount_minor, currency, locale)

    def plain(amount_minor):
        return _plain(amount_minor, currency, locale)

    top = doc.get_y()
    doc.party(_("Received from"), payment)
    left_end = doc.get_y()
    doc.set_y(top)
    gateway = payment.get("gateway") or ""
    method = _(GATEWAYS[gateway]) if gateway in GATEWAYS else gateway.replace("_", " ").capitalize() or "—"
    right_end = doc.label_values(105, 90, [
        (_("Receipt number"), number), (_("Paid on"), day(payment.get("settled_at"), locale)),
        (_("Method"), method), (_("Reference"), payment.get("gateway_reference") or "—"),
        (_("Amount paid"), cash(payment.get("amount_minor")))])
    doc.set_xy(15, max(left_end, right_end) + 6)

    by_id = {i.get("invoice_id"): i for i in invoices if i.get("invoice_id")}
    by_number = {i.get("number"): i for i in invoices if i.get("number")}
    doc.heading(_("Applied to"))
    doc.font(9)
    headings = [_("Invoice"), _("Issued"), _("Invoice total"), _("Paid now"), _("Still due")]
    with doc.grid((50, 35, 35, 35, 35), ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"), headings) as row:
        for allocation in payment.get("allocations") or []:
            invoice = (by_id.get(allocation.get("invoice_id"))
                       or by_number.get(allocation.get("invoice_number") or allocation.get("number")) or {})
            label = (allocation.get("invoice_number") or allocation.get("number") or invoice.get("number")
                     or allocation.get("invoice_id") or "")
            row([label, day(invoice.get("issued_at"), locale) if invoice else "—",
                 plain(invoice["total_minor"]) if "total_minor" in invoice else "—",
                 plain(allocation.get("amount_minor")),
                 plain(invoice["amount_due_minor"]) if "amount_due_minor" in invoice else "—"])
    doc.small_print(_("Amounts in %(currency)s.") % {"currency": currency})
    allocated = sum(int(a.get("amount_minor") or 0) for a in payment.get("allocations") or [])
    rows = [(_("Allocated to invoices"), cash(allocated))]
    unallocated = int(payment.get("amount_minor") or 0) - allocated
    if unallocated:
        rows.append((_("Not allocated"), cash(unallocated)))
    rows.append((_("Amount paid"), cash(payment.get("amount_minor"))))
    if refunded:
        rows.append((_("Refunded to you"), cash(refunded)))
    doc.totals(rows, emphasised=_("Amount paid"))
    doc.notes(payment.get("notes") or _("Thank you for your payment."))
    return _render(doc)


# --- credit notes -------------------------------------------------------------------------

def render_credit_note(note: dict, org: dict, logo: bytes | None, font_dir: str | None = None,
                       locale: str = "en") -> bytes:
    """A credit note as a branded A4 PDF in the reader's `locale`, in the invoice's look: its
    lines, totals, what was applied to which invoice and refunded, and what is left. `note`
    is a credit note detail (API.md "Credit notes"); a note with nothing left is not
    watermarked: it stays valid."""
    locale = locale_of(locale)
    _ = translations(TRANSLATIONS, locale).gettext
    currency = note["currency"]
    number = note.get("number") or ""
    doc = _Document(org, logo, _("Credit note"), number, None, font_dir, locale)
    doc.add_page()

    def cash(amount_minor):
        return money(amount_minor, currency, locale)

    def plain(amount_minor):
        return _plain(amount_minor, currency, locale)

    top = doc.get_y()
    doc.party(_("Credit to"), note)
    left_end = doc.get_y()
    doc.set_y(top)
    right_end = doc.label_values(105, 90, [
        (_("Credit note number"), number), (_("Issued"), day(note.get("issued_at"), locale)),
        (_("Against invoice"), note.get("invoice_number") or "—"), (_("Currency"), currency)])
    doc.set_xy(15, max(left_end, right_end) + 6)

    doc.font(9)
    headings = [_("Description"), _("Qty"), _("Unit price"), _("Discount"), _("Tax"), _("Total")]
    with doc.grid((73, 15, 25, 25, 15, 37), ("LEFT",) + ("RIGHT",) * 5, headings) as row:
        for line in note.get("lines") or []:
            row([line.get("description") or "", decimal_text(line.get("quantity", 0), locale),
                 plain(line.get("unit_price_minor")),
                 plain(-line["discount_minor"]) if line.get("discount_minor") else "—",
                 percent(line.get("tax_rate"), locale), plain(line.get("total_minor"))])
    doc.small_print(_("Amounts in %(currency)s; line totals include tax.") % {"currency": currency})

    applications = note.get("applications") or []
    refunds = note.get("refunds") or []
    if applications or refunds:
        doc.heading(_("Used"))
        doc.font(9)
        headings = [_("Date"), _("Used for"), _("Amount")]
        with doc.grid((60, 60, 60), ("LEFT", "LEFT", "RIGHT"), headings) as row:
            for a in applications:
                row([day(a.get("applied_at"), locale),
                     _("Invoice %(number)s") % {"number": a.get("invoice_number") or a.get("invoice_id")},
                     plain(a.get("amount_minor"))])
            for r in refunds:
                row([day(r.get("refunded_at"), locale), _("Refunded to the customer"), plain(r.get("amount_minor"))])

    rows = [(_("Subtotal"), cash(note.get("subtotal_minor")))]
    if note.get("discount_minor"):
        rows.append((_("Discount"), cash(-note["discount_minor"])))
    rows += [(_("Tax"), cash(note.get("tax_minor"))),
             (_("Total credit"), cash(note.get("total_minor"))),
             (_("Applied to invoices"), cash(note.get("applied_minor"))),
             (_("Refunded"), cash(note.get("refunded_minor"))),
             (_("Credit left"), cash(note.get("remaining_minor")))]
    doc.totals(rows, emphasised=_("Credit left"))
    doc.notes(note.get("reason"))
    return _render(doc)
