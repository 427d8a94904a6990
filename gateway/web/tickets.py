"""Tickets, as the portal and the console share them: the status and priority words, the
message form, the unread badge, refusals said in words (JSON for the page's script,
else flashed), and the "read up to here" mark. The live conversation is chat.py."""
from __future__ import annotations

from flask import flash, jsonify, request
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from gateway.clients.support import SupportClient

MAX_MESSAGE = 10_000
STATUS_LABELS = {"open": "Open", "in_progress": "In progress", "waiting_on_customer": "Waiting for you",
                 "resolved": "Resolved", "closed": "Closed"}
PRIORITY_LABELS = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}


class MessageForm(FlaskForm):
    body = TextAreaField("Your message", validators=[
        DataRequired("Write something first: an empty message is not sent."),
        Length(max=MAX_MESSAGE, message=f"A message is at most {MAX_MESSAGE:,} characters.")],
        render_kw={"rows": "3", "maxlength": str(MAX_MESSAGE)})


class SeenForm(FlaskForm):
    seq = HiddenField(validators=[DataRequired()])


def wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def form_errors(form: FlaskForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)     # lazy (translated) messages


def badge(count: int) -> str:
    return f'<span id="tickets-badge">{f"<span class=badge>{count} new</span>" if count else ""}</span>'


def refused(message: str, back):
    """A refusal in words: JSON for the page's script, else flashed on the page it came from."""
    if wants_json():
        return jsonify(error=message), 422
    flash(message, "error")
    return back


def mark_seen(client: SupportClient, ticket_id: str):
    """The page's script says how far the person has read: answers the mark support keeps."""
    form = SeenForm()
    if not (form.validate_on_submit() and form.seq.data.isdigit()):
        return jsonify(error="Say up to which message you have read."), 422
    return jsonify(seq=client.seen(ticket_id, int(form.seq.data)))
