"""The statement of account as a branded A4 PDF, in the look of billing's other documents
(pdf.py: the org's name, logo and brand colour, the same fonts and money format).

Rendering is pure: it takes the statement as the API answers it (queries/statement.py, with
`starts`/`ends` and the customer's name, address lines and tax id: queries/customers.bill_to), billing's copy of the org and the logo's bytes.
"""
from __future__ import annotations

from datetime import date

from services.billing.adapters.pdf import MUTED, _Document, _plain, _render, day, money

KIND_LABELS = {"invoice": "Invoice", "invoice_adjusted": "Invoice changed", "invoice_voided": "Invoice voided",
               "payment": "Payment", "payment_refund": "Payment refunded",
               "invoice_reduced": "Invoice reduced by refund", "credit_note": "Credit note",
               "credit_refund": "Credit refunded"}
AGEING = (("current", "Current"), ("days_1_30", "1–30 days"), ("days_31_60", "31–60 days"),
          ("days_61_90", "61–90 days"), ("days_over_90", "Over 90 days"), ("total", "Total due"))


def render_statement(found: dict, org: dict, logo: bytes | None, font_dir: str | None = None) -> bytes:
    currency = found.get("currency") or ""
    period = f"{_short(found['starts'])} – {_short(found['ends'])}"
    doc = _Document(org, logo, "Statement", f"{found['starts']} – {found['ends']}", None, font_dir)
    doc.add_page()

    top = doc.get_y()
    doc.party("Statement for", found)
    left_end = doc.get_y()
    doc.set_y(top)
    right_end = doc.label_values(105, 90, [
        ("Period", period), ("Currency", currency or "—"),
        ("Opening balance", _money(found["opening_balance_minor"], currency)),
        ("Closing balance", _money(found["closing_balance_minor"], currency))])
    doc.set_xy(15, max(left_end, right_end) + 6)

    doc.font(9)
    with doc.table(col_widths=(24, 27, 57, 24, 24, 24), text_align=(
            "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
            headings_style=doc.table_style(), line_height=5.5, padding=1.5,
            borders_layout="HORIZONTAL_LINES", width=doc.epw) as table:
        table.row(["Date", "Reference", "Description", "Debit", "Credit", "Balance"])
        table.row([_short(found["starts"]), "", "Opening balance", "", "",
                   _plain_or_dash(found["opening_balance_minor"], currency, always=True)])
        for e in found.get("entries") or []:
            table.row([_short(e["date"]), e["reference"], e["description"] or KIND_LABELS.get(e["kind"], e["kind"]),
                       _plain_or_dash(e["debit_minor"], currency), _plain_or_dash(e["credit_minor"], currency),
                       _plain_or_dash(e["balance_minor"], currency, always=True)])
        table.row([_short(found["ends"]), "", "Closing balance", "", "",
                   _plain_or_dash(found["closing_balance_minor"], currency, always=True)])
    doc.font(8, colour=MUTED)
    doc.multi_cell(0, 4.5, f"Amounts in {currency or '—'}. A positive balance is owed to "
                           f"{doc.org_name}; a negative one is in your favour.", new_x="LMARGIN", new_y="NEXT")

    ageing = found.get("ageing") or {}
    doc.heading(f"Still due on {day(found['ends'])}, by days overdue")
    doc.font(9)
    with doc.table(col_widths=(30,) * 6, text_align=("RIGHT",) * 6, headings_style=doc.table_style(),
                   line_height=5.5, padding=1.5, borders_layout="HORIZONTAL_LINES", width=doc.epw) as table:
        table.row([label for _, label in AGEING])
        table.row([_plain_or_dash(ageing.get(key, 0), currency, always=True) for key, _ in AGEING])

    rows = []
    if found.get("unapplied_credit_minor"):
        rows.append(("Credit not yet used", _money(-found["unapplied_credit_minor"], currency)))
    rows.append(("Closing balance", _money(found["closing_balance_minor"], currency)))
    doc.totals(rows, emphasised="Closing balance")
    return _render(doc)


def _short(iso_day: str) -> str:
    """"2 Mar 2026": fits the table's date column on one line."""
    d = date.fromisoformat(iso_day[:10])
    return f"{d.day} {d:%b} {d.year}"


def _money(amount_minor: int, currency: str) -> str:
    return money(amount_minor, currency) if currency else str(amount_minor)


def _plain_or_dash(amount_minor: int, currency: str, always: bool = False) -> str:
    if not amount_minor and not always:
        return ""
    return _plain(amount_minor, currency) if currency else str(amount_minor)
