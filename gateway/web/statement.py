"""The statement of account, as the portal and the console share it: the asked date range
read from the query, billing's statement for it (or, when it cannot be had, the default
range, with the reason said on the page), and its PDF. billing computes everything
(services/billing/queries/statement.py) with the signed-in person's own token."""
from __future__ import annotations

from datetime import date
from typing import Callable

from flask import Response, redirect, request
from flask_babel import gettext as _, lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.web.context import billing, org_id
from gateway.web.files import pdf_answer

KIND_LABELS = {"invoice": _l("Invoice"), "invoice_adjusted": _l("Invoice changed"), "invoice_voided": _l("Invoice voided"),
               "payment": _l("Payment"), "payment_refund": _l("Payment refunded"),
               "invoice_reduced": _l("Invoice reduced by refund"), "credit_note": _l("Credit note"),
               "credit_refund": _l("Credit paid back")}
AGEING = (("current", _l("Current")), ("days_1_30", _l("1–30 days overdue")), ("days_31_60", _l("31–60 days overdue")),
          ("days_61_90", _l("61–90 days overdue")), ("days_over_90", _l("Over 90 days overdue")))
LABELS = {"from": _l("The start date “%(value)s” is not a date; use the form YYYY-MM-DD."),
          "to": _l("The end date “%(value)s” is not a date; use the form YYYY-MM-DD.")}


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
            messages.append(str(LABELS[key]) % {"value": value})
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
    return pdf_answer(body, disposition)
