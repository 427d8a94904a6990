"""The console's documents: every document of the org and every file customers uploaded
(customer, kind, status; newest first, cursor pages), sharing a file with a customer (or
some of its contacts), and each document's page: its facts, every version with who added
it and a download, a new version, withdrawing, what happened to it (shared, viewed,
downloaded, decided, forwarded: who and when) and, once a quote is decided or an agreement
signed, the evidence (who, when, address, browser, the version's SHA-256) with its
certificate PDF. Files come and go through the gateway (`accepts_files`, `send_on`).

Every staff role shares, revises and withdraws, as every role places and cancels sales
orders: documents decides the rules with the staff member's own token, and its refusals
come back in its words, on the form's fields when sharing, flashed on the document's page
otherwise (post/redirect/get)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gateway.clients.base import ServiceProblem
from gateway.console.document_forms import (ACTIVITY_LABELS, ACTOR_LABELS, FILE_HINT, KIND_LABELS, STATUS_LABELS,
                                            ShareForm, VersionForm, WithdrawForm)
from gateway.console.forms import form_errors
from gateway.console.invoices import _customers, offer_customers   # the same choices
from gateway.console.lists import cursor_page, next_url
from gateway.web.access import console
from gateway.web.context import documents, identity, org_id
from gateway.web.files import accepts_files, send_on
from gateway.web.refusals import refused

bp = Blueprint("console_documents", __name__, url_prefix="/console")

PAGE_SIZE = 50
CLOSED = ("withdrawn", "accepted", "signed")          # a document that takes no new version


# -- the list --------------------------------------------------------------------------------
@bp.get("/documents")
@console()
def documents_list():
    args = request.args
    filters = {"customer_id": (args.get("customer_id") or "").strip()[:64] or None,
               "kind": args.get("kind") if args.get("kind") in KIND_LABELS else None,
               "status": args.get("status") if args.get("status") in STATUS_LABELS else None}
    page, cursor, messages = cursor_page(lambda query: documents().staff_documents(org_id(), query), filters,
                                         (args.get("cursor") or "")[:500] or None, PAGE_SIZE)
    wanted = {d["customer_id"] for d in page["items"]} | ({filters["customer_id"]} if filters["customer_id"] else set())
    query = {k: v for k, v in filters.items() if v}
    return render_template("console/documents/documents.html", page=page, filters=filters, query=query,
                           cursor=cursor, next_url=next_url("console_documents.documents_list", page, query),
                           messages=messages, customers=_customers(wanted), kind_labels=KIND_LABELS,
                           status_labels=STATUS_LABELS)


# -- sharing -----------------------------------------------------------------------------------
def _contact_ids(form: ShareForm) -> list[str] | None:
    """The ids of the contacts the form names by e-mail (None: every contact of the customer);
    an address that is no contact of the customer is put on the field."""
    emails = form.emails()
    if not emails:
        return None
    known = {c["email"].lower(): c["contact_id"] for c in identity().list_contacts(org_id(), form.customer_id.data)}
    unknown = [e for e in emails if e not in known]
    if unknown:
        form.contacts.errors = [*form.contacts.errors,
                                _("Not a contact of this customer: %(emails)s. Add them on the customer's page "
                                  "first, or leave this empty to share with every contact.", emails=", ".join(unknown))]
    return [known[e] for e in dict.fromkeys(emails) if e in known]


@bp.route("/documents/new", methods=["GET", "POST"])
@accepts_files
@console()
def share():
    form = ShareForm()
    chosen = (request.values.get("customer_id") or "").strip()[:64]
    customers = offer_customers(form, chosen)
    messages: list[str] = []
    status = 200
    if form.validate_on_submit():
        contact_ids, upload = _contact_ids(form), form.file.data
        if form.contacts.errors:
            status = 422
        else:
            try:
                document = documents().share(org_id(), form.body(contact_ids), upload.filename, upload.stream,
                                             upload.mimetype)
            except ServiceProblem as problem:
                if problem.status not in (400, 409, 422):
                    raise
                messages, status = form.apply_problem(problem), (problem.status if problem.status in (409, 422) else 400)
            else:
                name = customers.get(document["customer_id"], {}).get("name") or _("the customer")
                flash(_("“%(title)s” shared with %(name)s: they can see it now.", title=document["title"], name=name),
                      "success")
                return redirect(url_for("console_documents.document", document_id=document["document_id"]))
    elif request.method == "POST":
        status = 400
    elif chosen:
        form.customer_id.data = chosen
    return render_template("console/documents/share.html", form=form, messages=messages, file_hint=FILE_HINT), status


# -- a document --------------------------------------------------------------------------------
def _staff_names(activity: list[dict]) -> dict[str, str]:
    """The team's names by staff id, when documents does not know the name of a staff member
    who acted (it learns a name only from someone who shared or uploaded; identity knows all)."""
    if all(a.get("who") or a.get("actor_kind") != "staff" for a in activity):
        return {}
    try:
        return {m["staff_id"]: m.get("name") or m.get("email") for m in identity().list_staff(org_id())}
    except ServiceProblem as problem:               # a role that may not list the team: "Staff"
        if problem.status != 403:
            raise
        return {}


def _timeline(document: dict) -> list[dict]:
    """What happened to the document, oldest first: its activity, and each contact's views."""
    activity = document.get("activity") or []
    staff = _staff_names(activity)
    rows = [{"at": a["at"], "what": a["what"], "version": a.get("version"), "detail": a.get("detail"),
             "who": a.get("who") or staff.get(a.get("actor_id")) or ACTOR_LABELS.get(a.get("actor_kind"), "")}
            for a in activity]
    rows += [{"at": v["first_at"], "what": "viewed", "who": v.get("who") or ACTOR_LABELS["contact"],
              "count": v.get("count"), "last_at": v.get("last_at")} for v in document.get("views") or []]
    return sorted(rows, key=lambda row: row["at"])


def _audience(document: dict) -> list[dict] | None:
    """The chosen contacts (name and e-mail) of a document shared with some only; None: everyone."""
    chosen = document.get("contact_ids")
    if not chosen:
        return None
    try:
        known = {c["contact_id"]: c for c in identity().list_contacts(org_id(), document["customer_id"])}
    except ServiceProblem as problem:               # the customer is gone from identity: ids only
        if problem.status != 404:
            raise
        known = {}
    return [known.get(contact_id, {"contact_id": contact_id}) for contact_id in chosen]


@bp.get("/documents/<document_id>")
@console()
def document(document_id: str):
    found = documents().staff_document(org_id(), document_id)
    customer = _customers({found["customer_id"]}).get(found["customer_id"])
    revisable = found["origin"] == "shared" and found["status"] not in CLOSED
    return render_template(
        "console/documents/document.html", document=found, customer=customer, audience=_audience(found),
        timeline=_timeline(found), version_form=VersionForm(formdata=None) if revisable else None,
        withdraw_form=WithdrawForm(formdata=None) if found["status"] != "withdrawn" else None,
        kind_labels=KIND_LABELS, status_labels=STATUS_LABELS, activity_labels=ACTIVITY_LABELS, file_hint=FILE_HINT)


def _act(document_id: str, form, action, done: str):
    """Send one of the document page's forms: flash what happened, or documents' refusal in its
    words, and go back to the document. Another org's document stays a 404 page."""
    back = url_for("console_documents.document", document_id=document_id)
    if not form.validate_on_submit():
        flash(form_errors(form) or _("Please check what you entered."), "error")
        return redirect(back)
    try:
        action(form)
    except ServiceProblem as problem:
        return refused(problem, back)
    flash(done, "success")
    return redirect(back)


@bp.post("/documents/<document_id>/versions")
@accepts_files
@console()
def add_version(document_id: str):
    def post(form: VersionForm):
        upload = form.file.data
        documents().add_version(org_id(), document_id, form.body(), upload.filename, upload.stream, upload.mimetype)
    found = documents().staff_document(org_id(), document_id)      # another org's: the 404 page
    return _act(document_id, VersionForm(currency=found.get("currency")), post,
                _("New version added: the customer sees it now."))


@bp.post("/documents/<document_id>/withdraw")
@console()
def withdraw(document_id: str):
    return _act(document_id, WithdrawForm(),
                lambda f: documents().withdraw(org_id(), document_id, (f.reason.data or "").strip() or None),
                _("Document withdrawn: the customer no longer sees it."))


# -- files -------------------------------------------------------------------------------------
@bp.get("/documents/<document_id>/file")
@console()
def file(document_id: str):
    """A version's file (the latest without `version`), passed on as documents streams it."""
    version = request.args.get("version", type=int)
    return send_on(documents().staff_file(org_id(), document_id, version, inline=False))


@bp.get("/documents/<document_id>/certificate")
@console()
def certificate(document_id: str):
    return send_on(documents().staff_certificate(org_id(), document_id))
