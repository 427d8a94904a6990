"""The portal's support pages: the customer's tickets (filter, search, pages), raising one,
each ticket's conversation (live through gateway/chat.py; plain forms without JavaScript),
reopening and rating a resolved ticket, and reviewing the business's service.

Module "tickets": `view` reads, `submit_tickets` raises, writes, reopens and rates. Module
"reviews": the review form. Support decides which tickets the contact sees (their own, or
their customer's where the org shares tickets); the gateway checks module and permission.
Support's refusals (a closed ticket, a reopen window passed, a review given recently)
are shown in its own words.
"""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from gateway import chat
from gateway.access import gateway, org_id, portal, principal
from gateway.identity import ServiceProblem
from gateway.security import rate_limited
from gateway.portal_billing import customer_id
from gateway.support import SupportClient

bp = Blueprint("tickets", __name__)

MAX_MESSAGE = 10_000
SAID_TO_PERSON = (400, 403, 409, 422, 429)
STATUS_LABELS = {"open": "Open", "in_progress": "In progress", "waiting_on_customer": "Waiting for you",
                 "resolved": "Resolved", "closed": "Closed"}
PRIORITY_LABELS = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}
CATEGORIES = ("", "Question", "Problem", "Billing", "Account", "Feature request", "Other")
STARS = [SelectChoice(str(n), f"{n} star{'s' if n > 1 else ''}") for n in range(5, 0, -1)]


class TicketForm(FlaskForm):
    subject = StringField("Subject", validators=[DataRequired("Give the ticket a subject."), Length(max=200)],
                          render_kw={"maxlength": "200"})
    description = TextAreaField("Describe what you need", validators=[
        DataRequired("Describe what you need: an empty ticket cannot be answered."),
        Length(max=MAX_MESSAGE, message=f"A description is at most {MAX_MESSAGE:,} characters.")],
        render_kw={"rows": "6", "maxlength": str(MAX_MESSAGE)})
    category = SelectField("Category", choices=[SelectChoice(c, c or "Choose (optional)") for c in CATEGORIES],
                           validators=[Optional()])
    priority = SelectField("Priority", choices=[SelectChoice(k, v) for k, v in PRIORITY_LABELS.items()],
                           default="normal")


class MessageForm(FlaskForm):
    body = TextAreaField("Your message", validators=[
        DataRequired("Write something first: an empty message is not sent."),
        Length(max=MAX_MESSAGE, message=f"A message is at most {MAX_MESSAGE:,} characters.")],
        render_kw={"rows": "3", "maxlength": str(MAX_MESSAGE)})


class SeenForm(FlaskForm):
    seq = HiddenField(validators=[DataRequired()])


class RatingForm(FlaskForm):
    rating = RadioField("Your rating", choices=STARS, validators=[DataRequired("Choose from 1 to 5 stars.")])
    comment = TextAreaField("Comment (optional)", validators=[Optional(), Length(max=2000)],
                            render_kw={"rows": "3", "maxlength": "2000"})


def support() -> SupportClient:
    return SupportClient(gateway().services["support"], org_id(), customer_id())


def may_submit() -> bool:
    return "submit_tickets" in (principal().get("permissions") or [])


def words() -> dict:
    return {"status_labels": STATUS_LABELS, "priority_labels": PRIORITY_LABELS}


def wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def form_errors(form: FlaskForm) -> str:
    return " ".join(e for errors in form.errors.values() for e in errors)


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
    next_url = url_for("tickets.tickets", status=query["status"], q=query["q"], cursor=page["next_cursor"]) \
        if page.get("next_cursor") else None
    return render_template("portal/tickets.html", page=page, query=query, next_url=next_url, messages=messages,
                           may_submit=may_submit(), **words())


@bp.get("/tickets/unread")
@portal(module="tickets", permission="view")
def unread():
    """The navigation's badge: the contact's tickets with a reply they have not read."""
    return badge(support().unread())


def badge(count: int) -> str:
    return f'<span id="tickets-badge">{f"<span class=badge>{count} new</span>" if count else ""}</span>'


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
            return redirect(url_for("tickets.ticket", ticket_id=made["ticket_id"]))
    status = 422 if form.errors or messages else 200
    return render_template("portal/ticket_new.html", form=form, messages=messages), status


@bp.get("/tickets/<ticket_id>")
@portal(module="tickets", permission="view")
def ticket(ticket_id: str):
    found = support().ticket(ticket_id)
    last = found["messages_list"][-1]["seq"] if found["messages_list"] else 0
    if last > found["read_up_to"]:
        support().seen(ticket_id, last)            # opening the page reads the conversation
    can_write = may_submit() and found["status"] != "closed"
    rating = RatingForm(formdata=None) if may_submit() and found["status"] in ("resolved", "closed") else None
    return render_template("portal/ticket.html", ticket=found, form=MessageForm(formdata=None) if can_write else None,
                           rating_form=rating, last_seq=last, may_submit=may_submit(), **words())


@bp.post("/tickets/<ticket_id>/messages")
@rate_limited("messages", per="person")
@portal(module="tickets", permission="submit_tickets")
def post_message(ticket_id: str):
    form = MessageForm()
    back = redirect(url_for("tickets.ticket", ticket_id=ticket_id, _anchor="write"))
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


def refused(message: str, back):
    """A refusal in words: JSON for the page's script, else flashed on the page it came from."""
    if wants_json():
        return jsonify(error=message), 422
    flash(message, "error")
    return back


@bp.get("/tickets/<ticket_id>/stream")
@portal(module="tickets", permission="view")
def stream(ticket_id: str):
    return chat.stream(support(), ticket_id)


@bp.post("/tickets/<ticket_id>/seen")
@portal(module="tickets", permission="view")
def seen(ticket_id: str):
    return mark_seen(support(), ticket_id)


def mark_seen(client: SupportClient, ticket_id: str):
    """The page's script says how far the person has read: answers the mark support keeps."""
    form = SeenForm()
    if not (form.validate_on_submit() and form.seq.data.isdigit()):
        return jsonify(error="Say up to which message you have read."), 422
    return jsonify(seq=client.seen(ticket_id, int(form.seq.data)))


@bp.post("/tickets/<ticket_id>/reopen")
@portal(module="tickets", permission="submit_tickets")
def reopen(ticket_id: str):
    back = redirect(url_for("tickets.ticket", ticket_id=ticket_id))
    if not FlaskForm().validate_on_submit():
        return refused("The form expired. Please try again.", back)
    try:
        support().act(ticket_id, "reopen")
    except ServiceProblem as problem:
        if problem.status not in SAID_TO_PERSON:
            raise
        return refused(problem.detail, back)
    flash("The ticket is open again. Tell us what is still wrong below.", "success")
    return back


@bp.post("/tickets/<ticket_id>/rating")
@portal(module="tickets", permission="submit_tickets")
def rate(ticket_id: str):
    form = RatingForm()
    back = redirect(url_for("tickets.ticket", ticket_id=ticket_id, _anchor="rate"))
    if not form.validate_on_submit():
        return refused(form_errors(form), back)
    try:
        support().act(ticket_id, "rating", {"rating": int(form.rating.data), "comment": form.comment.data or None})
    except ServiceProblem as problem:
        if problem.status not in SAID_TO_PERSON:
            raise
        return refused(problem.detail, back)
    flash("Thank you for rating how we handled this ticket.", "success")
    return back


@bp.route("/reviews", methods=["GET", "POST"])
@portal(module="reviews")
def review():
    form = RatingForm()
    messages: list[str] = []
    done = False
    if form.validate_on_submit():
        try:
            support().review(customer_id(), int(form.rating.data), form.comment.data or None)
        except ServiceProblem as problem:
            if problem.status not in SAID_TO_PERSON:
                raise
            messages = [problem.detail]
        else:
            done = True
    status = 422 if form.errors or messages else 200
    return render_template("portal/review.html", form=form, messages=messages, done=done), status
