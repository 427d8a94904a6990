"""The portal's credit notes: the customer's list (newest first, pages by cursor), each note
with its lines, the invoices it was applied to and the refunds made from it, and its PDF.
Everything comes from billing with the contact's own token, so billing decides what this
customer may see; the gateway only checks module and permission first."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.web.access import modules_on, portal
from gateway.web.context import billing, customer_id, org_id, principal
from gateway.web.files import pdf_answer

bp = Blueprint("portal_credit_notes", __name__)

STATUS_LABELS = {"open": _l("Available"), "partially_used": _l("Partly used"), "used": _l("Used")}
PAGE_SIZE = 25


@bp.get("/credit-notes")
@portal(module="credit_notes", permission="view")
def credit_notes():
    cursor = (request.args.get("cursor") or "")[:500] or None
    messages: list[str] = []
    try:
        page = billing().credit_notes(org_id(), customer_id(), {"cursor": cursor, "limit": PAGE_SIZE})
    except ServiceProblem as problem:             # a page link from before
        if problem.status not in (400, 422):
            raise
        messages, cursor = [problem.detail], None
        page = billing().credit_notes(org_id(), customer_id(), {"limit": PAGE_SIZE})
    next_url = url_for("portal_credit_notes.credit_notes", cursor=page["next_cursor"]) if page.get("next_cursor") else None
    return render_template("portal/credit_notes/credit_notes.html", page=page, cursor=cursor, next_url=next_url,
                           messages=messages, status_labels=STATUS_LABELS)


@bp.get("/credit-notes/<credit_note_id>")
@portal(module="credit_notes", permission="view")
def credit_note(credit_note_id: str):
    found = billing().credit_note(org_id(), customer_id(), credit_note_id)
    return render_template("portal/credit_notes/credit_note.html", note=found, status_labels=STATUS_LABELS,
                           may_download="download" in (principal().get("permissions") or []),
                           invoices_on="invoices" in modules_on())


@bp.get("/credit-notes/<credit_note_id>/pdf")
@portal(module="credit_notes", permission="download")
def credit_note_pdf(credit_note_id: str):
    return pdf_answer(*billing().credit_note_pdf(org_id(), customer_id(), credit_note_id))
