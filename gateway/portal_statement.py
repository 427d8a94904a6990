"""The portal's statement of account: for a date range (a GET form, nothing changes, so no
CSRF token), the opening balance, every invoice, payment, credit note and refund with the
running balance, the closing balance and how old what is still due is; and the same as a
branded PDF for a contact with the "download" permission. Part of the invoices module.

billing computes everything (services/billing/statement.py) with the signed-in person's own
token, so it decides what may be seen. Dates that are not dates, or a range billing refuses
(upside down, longer than it allows), are said on the page above the default range, never a
server error. `load` and `pdf` serve the console's page of a customer too (console_statement.py).
"""
from __future__ import annotations

from datetime import date
from typing import Callable

from flask import Blueprint, Response, redirect, render_template, request, url_for

from gateway.access import modules_on, org_id, portal, principal
from gateway.identity import ServiceProblem, ServiceUnavailable
from gateway.portal_billing import billing, customer_id

bp = Blueprint("statement", __name__)

KIND_LABELS = {"invoice": "Invoice", "invoice_adjusted": "Invoice changed", "invoice_voided": "Invoice voided",
               "payment": "Payment", "payment_refund": "Payment refunded", "credit_note": "Credit note",
               "credit_refund": "Credit paid back"}
AGEING = (("current", "Current"), ("days_1_30", "1–30 days overdue"), ("days_31_60", "31–60 days overdue"),
          ("days_61_90", "61–90 days overdue"), ("days_over_90", "Over 90 days overdue"))
LABELS = {"from": "start date", "to": "end date"}


def asked() -> tuple[dict, list[str]]:
    """The form's from / to / currency as billing takes them, and what was wrong with them."""
    query, messages = {}, []
    for key in ("from", "to"):
        value = (request.args.get(key) or "").strip()[:20]
        if not value:
            continue
        try:
            query[key] = date.fromisoformat(value).isoformat()
        except ValueError:
            messages.append(f"The {LABELS[key]} “{value}” is not a date; use the form YYYY-MM-DD.")
    currency = (request.args.get("currency") or "").strip().upper()
    if len(currency) == 3 and currency.isalpha():
        query["currency"] = currency
    return query, messages


def load(customer: str) -> tuple[dict, list[str], dict]:
    """The statement for the asked range (or, when it cannot be had, the default one), the
    messages saying why not, and the query of its PDF."""
    query, messages = asked()
    if messages:                              # show the default range rather than half of the asked one
        query = {k: v for k, v in query.items() if k == "currency"}
    try:
        found = billing().statement(org_id(), customer, query)
    except ServiceProblem as problem:         # upside down, too long
        if problem.status not in (400, 422):
            raise
        messages.append(problem.detail)
        found = billing().statement(org_id(), customer, {})
    pdf_query = {"from": found["from"], "to": found["to"]}
    if found.get("currency"):
        pdf_query["currency"] = found["currency"]
    return found, messages, pdf_query


def pdf(customer: str, page_url: Callable[..., str]) -> Response:
    """The statement's PDF; bad dates go back to the page (`page_url(**query)`), which says why."""
    query, messages = asked()
    if messages:
        return redirect(page_url(**{k: request.args[k][:20] for k in ("from", "to", "currency")
                                    if request.args.get(k)}))
    try:
        body, disposition = billing().statement_pdf(org_id(), customer, query)
    except ServiceProblem as problem:
        if problem.status not in (400, 422):
            raise
        return redirect(page_url(**query))
    if not body.startswith(b"%PDF-"):
        raise ServiceUnavailable("billing answered something that is not a PDF")
    return Response(body, mimetype="application/pdf", headers={"Content-Disposition": disposition})


@bp.get("/statement")
@portal(module="invoices", permission="view")
def statement():
    found, messages, pdf_query = load(customer_id())
    return render_template("portal/statement.html", statement=found, messages=messages,
                           kind_labels=KIND_LABELS, ageing=AGEING, form_action=url_for("statement.statement"),
                           may_download="download" in (principal().get("permissions") or []),
                           pdf_url=url_for("statement.statement_pdf", **pdf_query),
                           invoice_endpoint="invoices.invoice",
                           credit_note_endpoint="credit_notes.credit_note" if "credit_notes" in modules_on() else None,
                           balance_hint="A positive balance is what you owe; a negative one is in your favour.",
                           nothing_yet="There is nothing on your account yet.")


@bp.get("/statement.pdf")
@portal(module="invoices", permission="download")
def statement_pdf():
    return pdf(customer_id(), lambda **query: url_for("statement.statement", **query))
