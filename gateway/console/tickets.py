"""The console's support pages: the ticket inbox (filters: status, priority, customer,
assignee, text), each ticket with its live conversation (gateway/web/chat.py), its files
(console/subject_files.py), internal notes that the customer never sees, status, closing with
a resolution, assignment, merging a duplicate, canned replies; the reviews page with
averages per month. Every staff role works tickets; managing canned replies is for owners
and admins."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from gateway.clients.base import ServiceProblem
from gateway.clients.support import SupportClient
from gateway.console import subject_files
from gateway.web import chat
from gateway.web.access import MANAGERS, console
from gateway.web.context import gateway, identity, org_id, principal
from gateway.web.files import accepts_files
from gateway.web.security import rate_limited
from gateway.web.tickets import (MAX_MESSAGE, MessageForm, PRIORITY_LABELS, STATUS_LABELS, badge, mark_seen, refused,
                                 wants_json)

bp = Blueprint("console_tickets", __name__, url_prefix="/console")
SAID_TO_PERSON = (400, 403, 404, 409, 422)
STAFF_STATUSES = {k: v for k, v in STATUS_LABELS.items() if k != "closed"}
MOST_TEXT = f"{MAX_MESSAGE:,}"                 # "10,000": the longest message, as its error says it


class ReplyForm(MessageForm):
    canned = SelectField(_l("Canned reply"), choices=[], validators=[Optional()], validate_choice=False)
    body = TextAreaField(_l("Reply to the customer"), validators=[
        Optional(), Length(max=MAX_MESSAGE, message=_l("A message is at most %(most)s characters.",
                                                       most=MOST_TEXT))],
        render_kw={"rows": "3", "maxlength": str(MAX_MESSAGE)})


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Internal note (only staff see it)"), validators=[
        DataRequired(_l("Write the note first.")), Length(max=MAX_MESSAGE)], render_kw={"rows": "3"})


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[SelectChoice(k, v) for k, v in STAFF_STATUSES.items()])


class CloseForm(FlaskForm):
    resolution = TextAreaField(_l("Resolution"), validators=[Optional(), Length(max=2000)], render_kw={"rows": "2"})


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assigned to"), choices=[], validate_choice=False)


class MergeForm(FlaskForm):
    into = StringField(_l("Merge into ticket number"), validators=[DataRequired(_l("Give the other ticket's number.")),
                                                                   Length(max=40)], render_kw={"placeholder": "T-000123"})


class CannedForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the reply a title.")), Length(max=100)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(_l("Write the reply's text.")), Length(max=10_000)],
                         render_kw={"rows": "4"})


def form_errors(form: FlaskForm) -> str:
    """A refused form's messages as one sentence (str(): a message may be a lazy translation)."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def support() -> SupportClient:
    return SupportClient(gateway().services["support"], org_id())


def team() -> list[dict]:
    """Who tickets can be assigned to; an agent whom identity does not show the team sees
    only themselves."""
    try:
        return [m for m in identity().list_staff(org_id()) if m.get("status", "active") == "active"]
    except ServiceProblem:
        me = principal()
        return [{"staff_id": me.get("id"), "name": me.get("name") or _("Me")}]


@bp.get("/tickets")
@console()
def inbox():
    args = request.args
    query = {"status": args.get("status") if args.get("status") in (*STATUS_LABELS, "active") else None,
             "priority": args.get("priority") if args.get("priority") in PRIORITY_LABELS else None,
             "customer_id": (args.get("customer_id") or "")[:64] or None,
             "assignee_id": (args.get("assignee_id") or "")[:200] or None,
             "q": (args.get("q") or "").strip()[:100] or None, "cursor": (args.get("cursor") or "")[:400] or None,
             "limit": 50}
    try:
        page = support().tickets(query)
    except ServiceProblem as problem:
        if problem.status not in (400, 422):
            raise
        flash(problem.detail, "error")
        query["cursor"] = None
        page = support().tickets(query)
    next_url = url_for("console_tickets.inbox", **{**{k: v for k, v in query.items() if v and k != "limit"},
                                                   "cursor": page["next_cursor"]}) if page.get("next_cursor") else None
    return render_template("console/tickets/tickets.html", page=page, query=query, next_url=next_url, team=team(),
                           me=principal().get("id"), status_labels=STATUS_LABELS, priority_labels=PRIORITY_LABELS)


@bp.get("/tickets/unread")
@console()
def unread():
    """The inbox's badge in the nav: tickets with a customer message this person has not read."""
    return badge(support().unread())


def _page(ticket_id: str):
    found = support().ticket(ticket_id)
    last = found["messages_list"][-1]["seq"] if found["messages_list"] else 0
    if last > found["read_up_to"]:
        support().seen(ticket_id, last)
    members = team()
    reply = ReplyForm(formdata=None)
    canned = support().canned_replies()
    reply.canned.choices = [SelectChoice("", _("None"))] + [SelectChoice(c["reply_id"], c["title"]) for c in canned]
    assign = AssignForm(formdata=None, assignee=found.get("assignee_id") or "")
    assign.assignee.choices = [SelectChoice("", _("Nobody"))] + [
        SelectChoice(m["staff_id"], m.get("name") or m.get("email")) for m in members]
    open_ = found["status"] != "closed"
    return render_template(
        "console/tickets/ticket.html", ticket=found, last_seq=last, canned=canned,
        stream_url=chat.ticket_stream_url(ticket_id),
        form=reply if open_ else None, note_form=NoteForm(formdata=None) if open_ else None,
        status_form=StatusForm(formdata=None, status=found["status"]) if open_ else None,
        close_form=CloseForm(formdata=None) if open_ else None, assign_form=assign if open_ else None,
        merge_form=MergeForm(formdata=None) if open_ else None,
        files=subject_files.attachments("ticket", ticket_id),
        file_form=subject_files.AttachForm(formdata=None) if open_ else None,
        status_labels=STATUS_LABELS, priority_labels=PRIORITY_LABELS)


@bp.get("/tickets/<ticket_id>")
@console()
def ticket(ticket_id: str):
    return _page(ticket_id)


def _back(ticket_id: str, anchor: str | None = None):
    return redirect(url_for("console_tickets.ticket", ticket_id=ticket_id, _anchor=anchor))


def _refused(message: str, ticket_id: str, anchor: str | None = None):
    return refused(message, _back(ticket_id, anchor))


def _act(ticket_id: str, action: str, body: dict, done: str, anchor: str | None = None):
    try:
        support().act(ticket_id, action, body)
    except ServiceProblem as problem:
        if problem.status not in SAID_TO_PERSON:
            raise
        return _refused(problem.detail, ticket_id, anchor)
    flash(done, "success")
    return _back(ticket_id, anchor)


@bp.post("/tickets/<ticket_id>/messages")
@rate_limited("messages", per="person")
@console()
def reply(ticket_id: str):
    form = ReplyForm()
    if not form.validate_on_submit():
        return _refused(form_errors(form), ticket_id, "write")
    body = (form.body.data or "").strip()
    if not body and form.canned.data:
        chosen = [c for c in support().canned_replies() if c["reply_id"] == form.canned.data]
        body = chosen[0]["body"] if chosen else ""
    if not body:
        return _refused(_("Write a reply or choose a canned one."), ticket_id, "write")
    try:
        message = support().post(ticket_id, body)
    except ServiceProblem as problem:
        if problem.status not in SAID_TO_PERSON:
            raise
        return _refused(problem.detail, ticket_id, "write")
    if wants_json():
        return jsonify(message=message)
    return _back(ticket_id, "write")


@bp.get("/tickets/<ticket_id>/live")
@console()
def live(ticket_id: str):
    """What the open page missed, and a fresh grant for its live stream (gateway/web/chat.py)."""
    return chat.catch_up(support(), ticket_id)


@bp.post("/tickets/<ticket_id>/seen")
@console()
def seen(ticket_id: str):
    return mark_seen(support(), ticket_id)


@bp.post("/tickets/<ticket_id>/notes")
@console()
def note(ticket_id: str):
    form = NoteForm()
    if not form.validate_on_submit():
        return _refused(form_errors(form), ticket_id, "notes")
    return _act(ticket_id, "notes", {"body": form.note.data}, _("Note added. Only staff see it."), "notes")


@bp.post("/tickets/<ticket_id>/status")
@console()
def status(ticket_id: str):
    form = StatusForm()
    if not form.validate_on_submit():
        return _refused(form_errors(form) or _("Choose a status."), ticket_id)
    return _act(ticket_id, "status", {"status": form.status.data},
                _("Status is now %(status)s.", status=str(STATUS_LABELS[form.status.data]).lower()))


@bp.post("/tickets/<ticket_id>/close")
@console()
def close(ticket_id: str):
    form = CloseForm()
    if not form.validate_on_submit():
        return _refused(form_errors(form), ticket_id)
    return _act(ticket_id, "close", {"resolution": form.resolution.data or None}, _("The ticket is closed."))


@bp.post("/tickets/<ticket_id>/assign")
@console()
def assign(ticket_id: str):
    form = AssignForm()
    if not form.validate_on_submit():
        return _refused(_("The form expired. Please try again."), ticket_id)
    chosen = [m for m in team() if m["staff_id"] == form.assignee.data]
    if form.assignee.data and not chosen:
        return _refused(_("Choose someone of your team."), ticket_id)
    name = (chosen[0].get("name") or chosen[0].get("email")) if chosen else None
    return _act(ticket_id, "assign", {"assignee_id": form.assignee.data or None, "assignee_name": name},
                _("Assigned to %(name)s.", name=name) if name else _("Nobody is assigned now."))


@bp.post("/tickets/<ticket_id>/files")
@accepts_files
@console()
def attach_file(ticket_id: str):
    found = support().ticket(ticket_id)            # another org's ticket: the 404 page
    form = subject_files.AttachForm()
    if not form.validate_on_submit():
        return _refused(form_errors(form), ticket_id, "files")
    if found["status"] == "closed":
        return _refused(_("This ticket is closed: it takes no more files."), ticket_id, "files")
    try:
        subject_files.attach("ticket", ticket_id, found["customer_id"], form.file.data)
    except ServiceProblem as problem:
        if problem.status not in SAID_TO_PERSON:
            raise
        return _refused(problem.detail, ticket_id, "files")
    flash(_("File attached to the ticket."), "success")
    return _back(ticket_id, "files")


@bp.post("/tickets/<ticket_id>/merge")
@console()
def merge(ticket_id: str):
    form = MergeForm()
    if not form.validate_on_submit():
        return _refused(form_errors(form), ticket_id, "merge")
    number = form.into.data.strip().upper()
    found = [t for t in support().tickets({"q": number, "limit": 100})["items"] if t["number"] == number]
    if not found:
        return _refused(_("There is no ticket %(number)s.", number=number), ticket_id, "merge")
    return _act(ticket_id, "merge", {"into_ticket_id": found[0]["ticket_id"]},
                _("Merged into %(number)s and closed.", number=number), "merge")


@bp.get("/reviews")
@console()
def reviews():
    return render_template("console/tickets/reviews.html", reviews=support().reviews())


@bp.route("/canned-replies", methods=["GET", "POST"])
@console(roles=MANAGERS)
def canned_replies():
    form = CannedForm()
    if form.validate_on_submit():
        support().add_canned_reply(form.title.data.strip(), form.body.data)
        flash(_("Canned reply saved."), "success")
        return redirect(url_for("console_tickets.canned_replies"))
    status = 422 if form.errors else 200
    return render_template("console/tickets/canned_replies.html", form=form, replies=support().canned_replies()), status


@bp.post("/canned-replies/<reply_id>/delete")
@console(roles=MANAGERS)
def delete_canned_reply(reply_id: str):
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
    else:
        support().delete_canned_reply(reply_id)
        flash(_("Canned reply deleted."), "success")
    return redirect(url_for("console_tickets.canned_replies"))
