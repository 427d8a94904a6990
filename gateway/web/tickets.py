"""Tickets, as the portal and the console share them: the status and priority words, the
message form, the unread badge, refusals said in words (JSON for the page's script,
else flashed), and the "read up to here" mark. The live conversation is chat.py."""
from __future__ import annotations

from flask import flash, jsonify, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from gateway.clients.support import SupportClient

MAX_MESSAGE = 10_000
MAX_MESSAGE_TEXT = f"{MAX_MESSAGE:,}"          # "10,000", as the form's hint says it
STATUS_LABELS = {"open": _l("Open"), "in_progress": _l("In progress"), "waiting_on_customer": _l("Waiting for you"),
                 "resolved": _l("Resolved"), "closed": _l("Closed")}
PRIORITY_LABELS = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High"), "urgent": _l("Urgent")}


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Your message"), validators=[
        DataRequired(_l("Write something first: an empty message is not sent.")),
        Length(max=MAX_MESSAGE, message=_l("A message is at most %(count)s characters.", count=MAX_MESSAGE_TEXT))],
        render_kw={"rows": "3", "maxlength": str(MAX_MESSAGE)})


class SeenForm(FlaskForm):
    seq = HiddenField(validators=[DataRequired()])


def wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def form_errors(form: FlaskForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def badge(count: int) -> str:
    words = _("%(count)s new", count=count)
    inner = f"<span class=badge>{words}</span>" if count else ""
    return f'<span id="tickets-badge">{inner}</span>'


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
        return jsonify(error=_("Say up to which message you have read.")), 422
    return jsonify(seq=client.seen(ticket_id, int(form.seq.data)))
