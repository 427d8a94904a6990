"""The portal's invoices: the customer's list (filters, search by number, dates, sorts,
pages by cursor), each invoice with its lines, taxes, payments and what happened to it,
and its PDF. Everything comes from billing with the contact's own token, so billing decides
what this customer may see; the gateway only checks module and permission first."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.portal.bulk_payments import bulk_form_for
from gateway.portal.comments import conversation_for
from gateway.portal.payments import pay_form_for, payment_words
from gateway.portal.documents import subject_files
from gateway.web.access import portal
from gateway.web.context import billing, customer_id, org_id, settings
from gateway.web.files import pdf_answer
from gateway.web.labels import CUSTOMER_INVOICE_LABELS
from gateway.web.payments import with_reversals

bp = Blueprint("portal_invoices", __name__)

STATUS_LABELS = CUSTOMER_INVOICE_LABELS
SORTS = {"-issued_at": _l("Newest first"), "issued_at": _l("Oldest first"), "due_date": _l("Due soonest"),
         "-due_date": _l("Due latest"), "-total": _l("Largest amount"), "total": _l("Smallest amount"),
         "number": _l("Number (A–Z)"), "-number": _l("Number (Z–A)")}
EVENT_LABELS = {"issued": _l("Issued"), "updated": _l("Changed"), "voided": _l("Voided"), "viewed": _l("Viewed"),
                "comment": _l("Comment"), "forwarded": _l("Forwarded by e-mail"),
                "payment_initiated": _l("Payment started"), "payment_pending": _l("Payment being processed"),
                "payment_settled": _l("Payment received"), "payment_failed": _l("Payment failed"),
                "payment_refunded": _l("Refunded to you"), "payment_reversed": _l("Payment reversed: to pay again"),
                "credit_applied": _l("Credit applied")}
PAGE_SIZE = 25


def _filters() -> dict:
    args = request.args
    status = args.get("status") if args.get("status") in STATUS_LABELS else None
    sort = args.get("sort") if args.get("sort") in SORTS else "-issued_at"
    return {"status": status, "number": (args.get("number") or "").strip()[:50] or None,
            "issued_from": _date(args.get("from")), "issued_to": _date(args.get("to")), "sort": sort}


def _date(value: str | None) -> str | None:
    try:
        return date.fromisoformat(value).isoformat() if value else None
    except ValueError:
        return None


@bp.get("/invoices")
@portal(module="invoices", permission="view")
def invoices():
    filters = _filters()
    cursor = (request.args.get("cursor") or "")[:500] or None
    messages: list[str] = []
    try:
        page = billing().invoices(org_id(), customer_id(), {**filters, "cursor": cursor, "limit": PAGE_SIZE})
    except ServiceProblem as problem:             # a page link from before, or a date range upside down
        if problem.status not in (400, 422):
            raise
        messages = [problem.detail]
        page = billing().invoices(org_id(), customer_id(), {"sort": filters["sort"], "limit": PAGE_SIZE})
    query = {"status": filters["status"], "number": filters["number"], "from": filters["issued_from"],
             "to": filters["issued_to"], "sort": filters["sort"]}
    query = {k: v for k, v in query.items() if v}
    next_url = url_for("portal_invoices.invoices", cursor=page["next_cursor"], **query) if page.get("next_cursor") else None
    filtered = any(query.get(k) for k in ("status", "number", "from", "to"))
    return render_template("portal/invoices/invoices.html", page=page, filters=filters, query=query, cursor=cursor,
                           filtered=filtered, bulk_form=bulk_form_for(),
                           next_url=next_url, messages=messages, status_labels=STATUS_LABELS, sorts=SORTS)


@bp.get("/invoices/<invoice_id>")
@portal(module="invoices", permission="view")
def invoice(invoice_id: str):
    page = billing().invoice_page(org_id(), customer_id(), invoice_id)      # one read for the whole page
    found = {**page["invoice"], "timeline": with_reversals(page["invoice"].get("timeline") or [])}
    return render_template("portal/invoices/invoice.html", invoice=found, status_labels=STATUS_LABELS,
                           event_labels=EVENT_LABELS, pay_form=pay_form_for(found, page["payment_methods"]),
                           in_progress_payment=page["payment_in_progress"],
                           partial_allowed=bool(settings().get("partial_payments")), **payment_words(),
                           conversation=conversation_for(found, page["comments"]),
                           **subject_files("invoice", invoice_id, may_attach=True))


@bp.get("/invoices/<invoice_id>/pdf")
@portal(module="invoices", permission="download")
def invoice_pdf(invoice_id: str):
    return pdf_answer(*billing().invoice_pdf(org_id(), customer_id(), invoice_id))
