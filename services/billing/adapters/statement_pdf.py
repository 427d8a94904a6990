"""The statement of account as a branded A4 PDF, in the look of billing's other documents
(pdf.py: the org's name, logo and brand colour, the same fonts and money format) and in the
reader's language (pdf.py's `locale`, right to left for Arabic).

Rendering is pure: it takes the statement as the API answers it (queries/statement.py, with
`starts`/`ends` and the customer's name, address lines and tax id: queries/customers.bill_to), billing's copy of the org and the logo's bytes.
"""
from __future__ import annotations

from services.billing.adapters.pdf import (TRANSLATIONS, _Document, _plain, _render, day, locale_of, money,
                                           short_day)
from services.chassis.i18n import N_, translations

KIND_LABELS = {"invoice": N_("Invoice"), "invoice_adjusted": N_("Invoice changed"),
               "invoice_voided": N_("Invoice voided"), "payment": N_("Payment"),
               "payment_refund": N_("Payment refunded"), "invoice_reduced": N_("Invoice reduced by refund"),
               "credit_note": N_("Credit note"), "credit_refund": N_("Credit refunded")}
AGEING = (("current", N_("Current")), ("days_1_30", N_("1–30 days")), ("days_31_60", N_("31–60 days")),
          ("days_61_90", N_("61–90 days")), ("days_over_90", N_("Over 90 days")), ("total", N_("Total due")))


def render_statement(found: dict, org: dict, logo: bytes | None, font_dir: str | None = None,
                     locale: str = "en") -> bytes:
    locale = locale_of(locale)
    _ = translations(TRANSLATIONS, locale).gettext
    currency = found.get("currency") or ""
    period = f"{_short(found['starts'], locale)} – {_short(found['ends'], locale)}"
    doc = _Document(org, logo, _("Statement"), f"{found['starts']} – {found['ends']}", None, font_dir, locale)
    doc.add_page()

    def cash(amount_minor):
        return _money(amount_minor, currency, locale)

    def plain(amount_minor, always=False):
        return _plain_or_dash(amount_minor, currency, always, locale)

    top = doc.get_y()
    doc.party(_("Statement for"), found)
    left_end = doc.get_y()
    doc.set_y(top)
    right_end = doc.label_values(105, 90, [
        (_("Period"), period), (_("Currency"), currency or "—"),
        (_("Opening balance"), cash(found["opening_balance_minor"])),
        (_("Closing balance"), cash(found["closing_balance_minor"]))])
    doc.set_xy(15, max(left_end, right_end) + 6)

    doc.font(9)
    headings = [_("Date"), _("Reference"), _("Description"), _("Debit"), _("Credit"), _("Balance")]
    with doc.grid((24, 27, 57, 24, 24, 24), ("LEFT",) * 3 + ("RIGHT",) * 3, headings) as row:
        row([_short(found["starts"], locale), "", _("Opening balance"), "", "",
             plain(found["opening_balance_minor"], always=True)])
        for e in found.get("entries") or []:
            kind = _(KIND_LABELS[e["kind"]]) if e["kind"] in KIND_LABELS else e["kind"]
            row([_short(e["date"], locale), e["reference"], e["description"] or kind,
                 plain(e["debit_minor"]), plain(e["credit_minor"]), plain(e["balance_minor"], always=True)])
        row([_short(found["ends"], locale), "", _("Closing balance"), "", "",
             plain(found["closing_balance_minor"], always=True)])
    doc.small_print(_("Amounts in %(currency)s. A positive balance is owed to %(org)s; a negative one is in "
                      "your favour.") % {"currency": currency or "—", "org": doc.org_name}, wrap=True)

    ageing = found.get("ageing") or {}
    doc.heading(_("Still due on %(day)s, by days overdue") % {"day": day(found["ends"], locale)})
    doc.font(9)
    headings = [_(label) for _key, label in AGEING]
    with doc.grid((30,) * 6, ("RIGHT",) * 6, headings) as row:
        row([plain(ageing.get(key, 0), always=True) for key, _label in AGEING])

    rows = []
    if found.get("unapplied_credit_minor"):
        rows.append((_("Credit not yet used"), cash(-found["unapplied_credit_minor"])))
    rows.append((_("Closing balance"), cash(found["closing_balance_minor"])))
    doc.totals(rows, emphasised=_("Closing balance"))
    return _render(doc)


def _short(iso_day: str, locale: str = "en") -> str:
    """"2 Mar 2026": fits the table's date column on one line."""
    return short_day(iso_day, locale)


def _money(amount_minor: int, currency: str, locale: str = "en") -> str:
    return money(amount_minor, currency, locale) if currency else str(amount_minor)


def _plain_or_dash(amount_minor: int, currency: str, always: bool = False, locale: str = "en") -> str:
    if not amount_minor and not always:
        return ""
    return _plain(amount_minor, currency, locale) if currency else str(amount_minor)
