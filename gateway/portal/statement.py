"""The portal's statement of account: for a date range (a GET form, nothing changes, so no
CSRF token), the opening balance, every invoice, payment, credit note and refund with the
running balance, the closing balance and how old what is still due is; and the same as a
branded PDF for a contact with the "download" permission. Part of the invoices module.

billing computes everything (services/billing/queries/statement.py) with the signed-in person's own
token, so it decides what may be seen. Dates that are not dates, or a range billing refuses
(upside down, longer than it allows), are said on the page above the default range, never a
server error. The console's page of a customer shares the same reading (gateway/web/statement.py).
"""
from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _

from gateway.web.access import modules_on, portal
from gateway.web.context import customer_id, principal
from gateway.web.statement import AGEING, KIND_LABELS, load, pdf

bp = Blueprint("portal_statement", __name__)


@bp.get("/statement")
@portal(module="invoices", permission="view")
def statement():
    found, messages, pdf_query = load(customer_id())
    return render_template("portal/statement/statement.html", statement=found, messages=messages,
                           kind_labels=KIND_LABELS, ageing=AGEING, form_action=url_for("portal_statement.statement"),
                           may_download="download" in (principal().get("permissions") or []),
                           pdf_url=url_for("portal_statement.statement_pdf", **pdf_query),
                           invoice_endpoint="portal_invoices.invoice",
                           credit_note_endpoint="portal_credit_notes.credit_note" if "credit_notes" in modules_on() else None,
                           balance_hint=_("A positive balance is what you owe; a negative one is in your favour."),
                           nothing_yet=_("There is nothing on your account yet."))


@bp.get("/statement.pdf")
@portal(module="invoices", permission="download")
def statement_pdf():
    return pdf(customer_id(), lambda **query: url_for("portal_statement.statement", **query))
