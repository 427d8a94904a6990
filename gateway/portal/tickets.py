"""The portal's support pages: the customer's tickets (filter, search, pages), raising one,
each ticket's conversation (live through gateway/web/chat.py; plain forms without JavaScript),
reopening and rating a resolved ticket (the review of the business's service is reviews.py).

Module "tickets": `view` reads, `submit_tickets` raises, writes, reopens and rates. Support
decides which tickets the contact sees (their own, or their customer's where the org shares
tickets); the gateway checks module and permission. Support's refusals (a closed ticket, a
reopen window passed) are shown in its own words.
"""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import LazyString, format_number, gettext as _, lazy_gettext as _l, lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from gateway.clients.base import ServiceProblem
from gateway.clients.support import SupportClient
from gateway.web import chat
from gateway.portal.documents import subject_files
from gateway.web.access import portal
from gateway.web.context import customer_id, gateway, org_id, principal
from gateway.web.security import rate_limited
from gateway.web.tickets import (MAX_MESSAGE, MessageForm, PRIORITY_LABELS, STATUS_LABELS, badge, form_errors,
                                 mark_seen, refused, wants_json)

bp = Blueprint("portal_tickets", __name__)

SAID_TO_PERSON = (400, 403, 409, 422, 429)
# The category is kept in English (the value the team sees and filters by); the reader sees its label.
CATEGORY_LABELS = {"Question": _l("Question"), "Problem": _l("Problem"), "Billing": _l("Billing"),
                   "Account": _l("Account"), "Feature request": _l("Feature request"), "Other": _l("Other")}
CATEGORIES = ("", *CATEGORY_LABELS)
STARS = [SelectChoice(str(n), lazy_ngettext("%(num)d star", "%(num)d stars", n)) for n in range(5, 0, -1)]


class TicketForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(_l("Give the ticket a subject.")), Length(max=200)],
                          render_kw={"maxlength": "200"})
    description = TextAreaField(_l("Describe what you need"), validators=[
        DataRequired(_l("Describe what you need: an empty ticket cannot be answered.")),
        Length(max=MAX_MESSAGE, message=_l("A description is at most %(count)s characters.",
                                           count=LazyString(format_number, MAX_MESSAGE)))],
        render_kw={"rows": "6", "maxlength": str(MAX_MESSAGE)})
    category = SelectField(_l("Category"), choices=[SelectChoice(c, CATEGORY_LABELS[c] if c else _l("Choose (optional)"))
                                                    for c in CATEGORIES],
                           validators=[Optional()])
    priority = SelectField(_l("Priority"), choices=[SelectChoice(k, v) for k, v in PRIORITY_LABELS.items()],
                           default="normal")


class RatingForm(FlaskForm):
    rating = RadioField(_l("Your rating"), choices=STARS, validators=[DataRequired(_l("Choose from 1 to 5 stars."))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)],
                            render_kw={"rows": "3", "maxlength": "2000"})


def support() -> SupportClient:
    return SupportClient(gateway().services["support"], org_id(), customer_id())


def may_submit() -> bool:
    return "submit_tickets" in (principal().get("permissions") or [])


def words() -> dict:
    return {"status_labels": STATUS_LABELS, "priority_labels": PRIORITY_LABELS, "category_labels": CATEGORY_LABELS}


@bp.get("/tickets")
@portal(module="tickets", permission="view")
def tickets():
    query = {"status": request.args.get("status") or None, "q": (request.args.get("q") or "").strip()[:100] or None,
             "cursor": (request.args.get("cursor") or "")[:400] or None}
    if query["status"] not in (None, "active", *STATUS_LABELS):
        query["status"] = None
    messages = []
    try:
        page = support().tickets(query)
    except ServiceProblem as problem:           # an old page link
        if problem.status not in (400, 422):
            raise
        messages, query["cursor"] = [problem.detail], None
        page = support().tickets({**query, "cursor": None})
    next_url = url_for("portal_tickets.tickets", status=query["status"], q=query["q"], cursor=page["next_cursor"]) \
        if page.get("next_cursor") else None
    return render_template("portal/tickets/tickets.html", page=page, query=query, next_url=next_url, messages=messages,
                           may_submit=may_submit(), **words())


@bp.get("/tickets/unread")
@portal(module="tickets", permission="view")
def unread():
    """The navigation's badge: the contact's tickets with a reply they have not read."""
    return badge(support().unread())


@bp.route("/tickets/new", methods=["GET", "POST"])
@portal(module="tickets", permission="submit_tickets")
def new_ticket():
    form = TicketForm()
    messages: list[str] = []
    if form.validate_on_submit():
        try:
            made = support().raise_ticket({"subject": form.subject.data, "description": form.description.data,
                                           "priority": form.priority.data, "category": form.category.data or None})
        except ServiceProblem as problem:
            if problem.status not in SAID_TO_PERSON:
                raise
            messages = [problem.detail]
        else:
            return redirect(url_for("portal_tickets.ticket", ticket_id=made["ticket_id"]))
    status = 422 if form.errors or messages else 200
    return render_template("portal/tickets/ticket_new.html", form=form, messages=messages), status


@bp.get("/tickets/<ticket_id>")
@portal(module="tickets", permission="view")
def ticket(ticket_id: str):
    found = support().ticket(ticket_id)
    last = found["messages_list"][-1]["seq"] if found["messages_list"] else 0
    if last > found["read_up_to"]:
        support().seen(ticket_id, last)            # opening the page reads the conversation
    can_write = may_submit() and found["status"] != "closed"
    rating = RatingForm(formdata=None) if may_submit() and found["status"] in ("resolved", "closed") else None
    return render_template("portal/tickets/ticket.html", ticket=found, form=MessageForm(formdata=None) if can_write else None,
                           rating_form=rating, last_seq=last, may_submit=may_submit(),
                           stream_url=chat.ticket_stream_url(ticket_id),
                           **subject_files("ticket", ticket_id, may_attach=can_write), **words())


@bp.post("/tickets/<ticket_id>/messages")
@rate_limited("messages", per="person")
@portal(module="tickets", permission="submit_tickets")
def post_message(ticket_id: str):
    form = MessageForm()
    back = redirect(url_for("portal_tickets.ticket", ticket_id=ticket_id, _anchor="write"))
    if not form.validate_on_submit():
        return refused(form_errors(form), back)
    try:
        message = support().post(ticket_id, form.body.data)
    except ServiceProblem as problem:
        if problem.status not in SAID_TO_PERSON:
            raise
        return refused(problem.detail, back)
    if wants_json():
        return jsonify(message=message)
    return back


@bp.get("/tickets/<ticket_id>/live")
@portal(module="tickets", permission="view")
def live(ticket_id: str):
    """What the open page missed, and a fresh grant for its live stream (gateway/web/chat.py)."""
    return chat.catch_up(support(), ticket_id)


@bp.post("/tickets/<ticket_id>/seen")
@portal(module="tickets", permission="view")
def seen(ticket_id: str):
    return mark_seen(support(), ticket_id)


@bp.post("/tickets/<ticket_id>/reopen")
@portal(module="tickets", permission="submit_tickets")
def reopen(ticket_id: str):
    back = redirect(url_for("portal_tickets.ticket", ticket_id=ticket_id))
    if not FlaskForm().validate_on_submit():
        return refused(_("The form expired. Please try again."), back)
    try:
        support().act(ticket_id, "reopen")
    except ServiceProblem as problem:
        if problem.status not in SAID_TO_PERSON:
            raise
        return refused(problem.detail, back)
    flash(_("The ticket is open again. Tell us what is still wrong below."), "success")
    return back


@bp.post("/tickets/<ticket_id>/rating")
@portal(module="tickets", permission="submit_tickets")
def rate(ticket_id: str):
    form = RatingForm()
    back = redirect(url_for("portal_tickets.ticket", ticket_id=ticket_id, _anchor="rate"))
    if not form.validate_on_submit():
        return refused(form_errors(form), back)
    try:
        support().act(ticket_id, "rating", {"rating": int(form.rating.data), "comment": form.comment.data or None})
    except ServiceProblem as problem:
        if problem.status not in SAID_TO_PERSON:
            raise
        return refused(problem.detail, back)
    flash(_("Thank you for rating how we handled this ticket."), "success")
    return back
