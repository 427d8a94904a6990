"""The console's invitations: who was invited, when, whether they accepted, with "Send
again" for a link that is pending or ran out (any staff: agents invite too); and, for
owners and admins, inviting many at once from a CSV file: upload, a preview that says what
will happen to each row, nothing sent until confirmed, then a report (also as CSV).

The file's rules and how its rows travel from the preview to the confirmation (signed,
checked again by identity) are invitation_import.py's."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField

from gateway.clients.base import ServiceProblem
from gateway.console import invitation_import as csvfile
from gateway.web.access import MANAGERS, console
from gateway.web.context import forget_login, identity, link_base, org_id, principal
from gateway.web.files import accepts_files
from gateway.web.refusals import flash_refusal

bp = Blueprint("console_invitations", __name__, url_prefix="/console")

PER_PAGE = 50
STATUS_LABELS = {"pending": _l("Pending"), "expired": _l("Expired"), "active": _l("Accepted"),
                 "not_invited": _l("Not invited yet"), "disabled": _l("Disabled")}
RESENDABLE = ("pending", "expired", "not_invited")
TAMPERED = _l("This preview was changed, is more than an hour old, or belongs to someone else. "
               "Nothing was sent: upload the file again.")


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))],
                     render_kw={"accept": ".csv,text/csv"})
    create_customers = BooleanField(_l("Create the customers that do not exist yet (named as in the file)"))


class ConfirmForm(FlaskForm):
    rows = HiddenField()


class ReportForm(FlaskForm):
    report = HiddenField()


@bp.get("/invitations")
@console()
def invitations():
    status = request.args.get("status") or None
    status = status if status in STATUS_LABELS else None
    q = (request.args.get("q") or "").strip()[:200] or None
    after = (request.args.get("after") or "")[:600] or None
    try:
        rows, next_page = identity().find_invitations(org_id(), status, q, after, PER_PAGE)
    except ServiceProblem as problem:               # a stale or edited page link: start again
        if problem.status not in (400, 422):
            raise
        rows, next_page = identity().find_invitations(org_id(), status, q, None, PER_PAGE)
    return render_template("console/invitations/invitations.html", rows=rows, status=status, q=q, after=after,
                           next_page=next_page, status_labels=STATUS_LABELS, resendable=RESENDABLE,
                           may_import=principal().get("role") in MANAGERS)


@bp.post("/invitations/<contact_id>/resend")
@console()
def resend(contact_id: str):
    """A fresh link; the old one stops working. identity paces it (a minute apart, five a day)."""
    try:
        identity().resend_invitation(org_id(), contact_id, link_base())
    except ServiceProblem as problem:
        flash_refusal(problem)
    else:
        forget_login(contact_id)
        flash(_("The invitation was sent again. The earlier link no longer works."), "success")
    return redirect(request.form.get("back") if _ours(request.form.get("back")) else url_for(".invitations"))


def _ours(path: str | None) -> bool:
    return bool(path) and path.startswith("/console/invitations") and "//" not in path and "\\" not in path


def _secret() -> str:
    return current_app.secret_key


def _me() -> str:
    return principal().get("id") or ""


@bp.route("/invitations/import", methods=["GET", "POST"])
@accepts_files
@console(roles=MANAGERS)
def import_file():
    """Upload, then the preview: identity's dry run of every row. Nothing is sent here."""
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("console/invitations/import.html", form=form, messages=[]), (
            400 if request.method == "POST" else 200)
    try:
        items, refused = csvfile.read_rows(form.file.data.read(csvfile.MAX_BYTES + 1), form.create_customers.data)
    except csvfile.ImportProblem as problem:
        return render_template("console/invitations/import.html", form=form, messages=[str(problem)]), 422
    sealed = csvfile.seal(_secret(), org_id(), _me(), "rows", {"items": items, "refused": refused})
    return _lines_page("console/invitations/preview.html", _lines(items, refused, dry_run=True),
                       confirm=ConfirmForm(formdata=None, rows=sealed))


def _lines(items: list[dict], refused: list[dict], dry_run: bool) -> list[dict]:
    """identity's answer for every item (only what would happen, in a dry run), as one line
    per row of the file with the rows refused here for their shape."""
    results = identity().invite_many(org_id(), csvfile.for_identity(items), link_base(), dry_run)["items"] \
        if items else []
    return csvfile.outcomes(items, results, refused)


def _lines_page(template: str, lines: list[dict], **forms):
    return render_template(template, lines=lines, counts=csvfile.counts(lines), words=csvfile.OUTCOME_WORDS,
                           **forms)


@bp.post("/invitations/import/confirm")
@accepts_files
@console(roles=MANAGERS)
def confirm():
    """Invite the previewed rows. Their signature must hold, and identity checks each again:
    a row that went bad meanwhile fails, one already invited (a double submit) is skipped."""
    form = ConfirmForm()
    sealed = csvfile.unseal(_secret(), org_id(), _me(), "rows", form.rows.data) if form.validate() else None
    if not isinstance(sealed, dict) or not isinstance(sealed.get("items"), list):
        return render_template("console/invitations/import.html", form=UploadForm(formdata=None),
                               messages=[str(TAMPERED)]), 400
    lines = _lines(sealed["items"], sealed.get("refused") or [], dry_run=False)
    report = ReportForm(formdata=None, report=csvfile.seal(_secret(), org_id(), _me(), "report", lines))
    return _lines_page("console/invitations/report.html", lines, report=report)


@bp.post("/invitations/import/report")
@accepts_files
@console(roles=MANAGERS)
def report():
    """The report of an import as a CSV file."""
    form = ReportForm()
    lines = csvfile.unseal(_secret(), org_id(), _me(), "report", form.report.data) if form.validate() else None
    if not isinstance(lines, list):
        flash(_("That report is more than an hour old or was changed: it cannot be downloaded any more."), "error")
        return redirect(url_for(".invitations"))
    return Response(csvfile.report_csv(lines), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="invitations-report.csv"'})
