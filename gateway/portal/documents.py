"""The portal's documents and quotes: what the business shared with the contact, grouped by
kind (contracts, agreements, other files, and their side's own uploads), quotes on a page of
their own (module "quotes"); each document with its versions, a preview of PDFs and images,
downloads of any version, accepting or declining a quote, signing an agreement, its
certificate once decided, and forwarding its link to a colleague.

Everything comes from documents with the contact's own token, so documents decides what
this contact may see (another customer's, withdrawn, or another contact's document is a
404). Files stream through here from documents on every request of a signed-in contact with
`download`: there is no lasting or guessable file URL. Uploads (drag and drop with progress
in static/uploads.js, a plain multipart form without JavaScript) need `upload` and the org's
`customer_uploads`; documents checks each file by its content and the org's size limit.
"""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from gateway.clients.base import ServiceProblem, quietly
from gateway.web.access import modules_on, portal
from gateway.web.context import billing, customer_id, documents, org_id, orders, principal, settings
from gateway.web.files import accepts_files, send_on
from gateway.web.refusals import refused
from gateway.web.security import rate_limited

bp = Blueprint("portal_documents", __name__)

SAID = (400, 403, 409, 413, 422, 429, 503)
KIND_LABELS = {"contract": _l("Contracts"), "agreement": _l("Agreements"), "other": _l("Other documents"),
               "upload": _l("Files you uploaded")}
STATUS_LABELS = {"shared": _l("Shared"), "accepted": _l("Accepted"), "declined": _l("Declined"), "signed": _l("Signed"),
                 "withdrawn": _l("Withdrawn"), "uploaded": _l("Uploaded")}
MAX_FILES = 10


class DecisionForm(FlaskForm):
    version = HiddenField()
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)],
                            render_kw={"rows": "3", "maxlength": "2000"})


class SignForm(FlaskForm):
    version = HiddenField()
    signer_name = StringField(_l("Type your full name to sign"), validators=[
        DataRequired(_l("Type your full name to sign.")), Length(max=200)], render_kw={"maxlength": "200",
                                                                                   "autocomplete": "name"})
    consent = BooleanField(_l("I have read this agreement and agree to its terms"), validators=[
        DataRequired(_l("Tick the box to agree to the terms of this agreement."))])


class ForwardForm(FlaskForm):
    email = EmailField(_l("Colleague's e-mail"), validators=[
        DataRequired(_l("Give the e-mail address to forward the document to.")), Length(max=254),
        Regexp(r"^\s*[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+\s*$", message=_l("Give one e-mail address like name@example.com."))],
        render_kw={"autocomplete": "email", "spellcheck": "false"})
    message = TextAreaField(_l("Message (optional)"), validators=[Optional(), Length(max=1000)],
                            render_kw={"rows": "3", "maxlength": "1000"})


def has(permission: str) -> bool:
    return permission in (principal().get("permissions") or [])


def may_upload() -> bool:
    return has("upload") and bool(settings().get("customer_uploads"))


def upload_limit_mb() -> int:
    return int(settings().get("upload_limit_mb") or 25)


def subject_files(subject_type: str, subject_id: str, may_attach: bool) -> dict:
    """What a ticket's or an invoice's page shows of its files (its own service said the
    contact may open it): the files (None when documents cannot answer: the page still
    opens, without them) and whether the contact may attach more."""
    files = quietly(lambda: _items({"subject_type": subject_type, "subject_id": subject_id}))
    return {"files": files, "may_attach": may_attach and may_upload(), "limit_mb": upload_limit_mb()}


def _items(query: dict) -> list[dict]:
    """Every document of the query, following pages (a customer's shared files are few; the
    service pages by 200)."""
    items, cursor = [], None
    for _attempt in range(10):
        page = documents().documents(org_id(), customer_id(), {**query, "limit": 200, "cursor": cursor})
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return items


@bp.get("/documents")
@portal(module="documents", permission="view")
def documents_page():
    groups = {kind: [] for kind in KIND_LABELS}
    for item in _items({}):
        if item["kind"] in groups:
            groups[item["kind"]].append(item)
    return render_template("portal/documents/documents.html", groups=groups, kind_labels=KIND_LABELS,
                           status_labels=STATUS_LABELS, may_upload=may_upload(), limit_mb=upload_limit_mb(),
                           may_download=has("download"))


@bp.get("/quotes")
@portal(module="quotes", permission="view")
def quotes():
    return render_template("portal/documents/quotes.html", quotes=_items({"kind": "quote"}),
                           status_labels=STATUS_LABELS)


@bp.get("/documents/<document_id>")
@portal(permission="view")
def document(document_id: str):
    doc = documents().document(org_id(), customer_id(), document_id)
    version = str(doc["version"])
    return render_template(
        "portal/documents/document.html", doc=doc, status_labels=STATUS_LABELS,
        may_download=has("download"), may_decide=has("approve") and doc["status"] == "shared",
        decision_form=DecisionForm(formdata=None, version=version),
        sign_form=SignForm(formdata=None, version=version),
        forward_form=ForwardForm(formdata=None) if has("forward") and settings().get("forward_documents") else None,
        back=url_for("portal_documents.quotes") if doc["kind"] == "quote" else url_for(
            "portal_documents.documents_page"))


@bp.get("/documents/<document_id>/file")
@portal(permission="download")
def file(document_id: str):
    version = request.args.get("version", type=int)
    return send_on(documents().file(org_id(), customer_id(), document_id, version,
                                    inline=request.args.get("inline") == "1"))


@bp.get("/documents/<document_id>/certificate")
@portal(permission="view")
def certificate(document_id: str):
    return send_on(documents().certificate(org_id(), customer_id(), document_id))


def _evidence() -> dict:
    return {"ip": request.remote_addr, "user_agent": request.user_agent.string[:1000] or None}


def _back(document_id: str):
    return redirect(url_for("portal_documents.document", document_id=document_id))


def _version(form) -> int:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return 0


@bp.post("/documents/<document_id>/accept")
@portal(permission="approve")
def accept(document_id: str):
    return _ask(document_id, DecisionForm(), lambda form: documents().decide(org_id(), customer_id(), document_id, {
        "decision": "accept", "version": _version(form), "comment": form.comment.data or None, **_evidence()}),
        lambda answer: _("You accepted this quote. We have told the team."))


@bp.post("/documents/<document_id>/decline")
@portal(permission="approve")
def decline(document_id: str):
    return _ask(document_id, DecisionForm(), lambda form: documents().decide(org_id(), customer_id(), document_id, {
        "decision": "decline", "version": _version(form), "comment": form.comment.data or None, **_evidence()}),
        lambda answer: _("You declined this quote. We have told the team."))


@bp.post("/documents/<document_id>/sign")
@portal(permission="approve")
def sign(document_id: str):
    return _ask(document_id, SignForm(), lambda form: documents().sign(org_id(), customer_id(), document_id, {
        "version": _version(form), "signer_name": form.signer_name.data, "consent": bool(form.consent.data),
        **_evidence()}), lambda answer: _("You signed this agreement. Its certificate is below."))


@bp.post("/documents/<document_id>/forward")
@portal(permission="forward")
def forward(document_id: str):
    return _ask(document_id, ForwardForm(), lambda form: documents().forward(
        org_id(), customer_id(), document_id, form.email.data.strip(), form.message.data or None),
        lambda sent: _("We are e-mailing %(email)s a link to this document. To open it they sign in to the portal "
                       "as a contact of your company.", email=sent["recipient_email"]))


def _ask(document_id: str, form, call, said):
    """Send a valid form to documents and say how it went, on the document's page: the
    form's own problems, documents' refusal in its words, or `said(answer)`."""
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return _back(document_id)
    try:
        answer = call(form)
    except ServiceProblem as problem:
        return refused(problem, url_for("portal_documents.document", document_id=document_id), SAID)
    flash(said(answer), "success")
    return _back(document_id)


@bp.post("/documents/upload")
@rate_limited("uploads", per="person")          # one contact cannot fill the disks or hold the workers
@accepts_files
@portal(permission="upload")
def upload():
    """One or more files (`files`), on their own or on a subject (`subject_type`, `subject_id`).
    From static/uploads.js (one file a request, `Accept: application/json`) each answers
    JSON; from the plain form, the page again with what was taken and what refused."""
    subject_type = request.form.get("subject_type") or None
    subject_id = (request.form.get("subject_id") or "")[:200] or None
    back = _upload_back(subject_type, subject_id)
    if not FlaskForm().validate_on_submit():
        return _upload_answer([], [_("The form expired; reload the page and try again.")], back, 400)
    if not may_upload():
        return _upload_answer([], [_("Uploading files is not enabled for you.")], back, 403)
    refusal = _subject_refusal(subject_type, subject_id)
    if refusal:
        return _upload_answer([], [refusal], back, 403)
    chosen = [f for f in request.files.getlist("files") if f and f.filename][:MAX_FILES]
    if not chosen:
        return _upload_answer([], [_("Choose a file to upload.")], back, 400)
    taken, refusals = [], []
    for upload in chosen:
        try:
            taken.append(documents().upload(org_id(), customer_id(), upload.filename, upload.stream,
                                            upload.mimetype, subject_type, subject_id))
        except ServiceProblem as problem:
            if problem.status not in SAID:
                raise
            said = [m for errors in problem.errors.values() for m in errors] or [problem.detail]
            refusals += said
    return _upload_answer(taken, refusals, back, 422 if refusals and not taken else 200)


def _subject_refusal(subject_type: str | None, subject_id: str | None) -> str | None:
    """Why the contact may not attach files to this subject, or None. The subject's own
    service answers for it: another customer's ticket or invoice is a 404 (raised)."""
    if subject_type is None:
        return None
    if subject_type == "ticket" and "tickets" in modules_on() and has("submit_tickets"):
        from gateway.portal.tickets import support
        support().ticket(subject_id or "-")
        return None
    if subject_type == "invoice" and "invoices" in modules_on():
        billing().invoice(org_id(), customer_id(), subject_id or "-")
        return None
    if subject_type == "service_request" and "service_requests" in modules_on() and has("submit_tickets"):
        found = orders().service_request(org_id(), customer_id(), subject_id or "-")
        return _("This request is closed: it takes no more files.") if found["status"] == "closed" else None
    return _("You cannot add files there.")


def _upload_back(subject_type: str | None, subject_id: str | None) -> str:
    if subject_type == "ticket" and subject_id and "tickets" in modules_on():
        return url_for("portal_tickets.ticket", ticket_id=subject_id) + "#files"
    if subject_type == "invoice" and subject_id and "invoices" in modules_on():
        return url_for("portal_invoices.invoice", invoice_id=subject_id) + "#files"
    if subject_type == "service_request" and subject_id and "service_requests" in modules_on():
        return url_for("portal_service_requests.service_request", request_id=subject_id) + "#files"
    return url_for("portal_documents.documents_page") + "#uploads"


def _upload_answer(taken: list, refusals: list, back: str, status: int):
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"uploaded": [{"document_id": d["document_id"], "filename": d["filename"]} for d in taken],
                        "errors": refusals}), status
    for doc in taken:
        flash(_("%(filename)s was uploaded. The team has been told.", filename=doc["filename"]), "success")
    for message in refusals:
        flash(message, "error")
    return redirect(back)
