"""The conversation under an invoice in the portal, and forwarding an invoice by mail.

Contacts with `view` read the comments their customer may see (billing never answers a
staff-internal note on the customer's route) and post their own; contacts with `forward`,
where the org's `forward_documents` is on, send the invoice's link to an address. Plain
forms (CSRF) that work without JavaScript: each answers with a redirect back to the invoice,
and billing's refusals ("not enabled", "too many forwards", a bad address) are flashed in
its own words. Comments are plain text: the template shows them escaped.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from gateway.clients.base import ServiceProblem
from gateway.web.access import portal
from gateway.web.context import billing, customer_id, org_id, principal, settings
from gateway.web.refusals import refused

bp = Blueprint("portal_comments", __name__)

MAX_TEXT = 5000
MAX_MESSAGE = 1000
SAID_TO_PERSON = (400, 403, 409, 422, 429)     # billing's refusals flashed on the invoice; others are pages


class CommentForm(FlaskForm):
    text = TextAreaField(_l("Your comment"), validators=[
        DataRequired(_l("Write something first: an empty comment is not sent.")),
        Length(max=MAX_TEXT, message=_l("A comment is at most %(max)d characters."))],
        render_kw={"rows": "4", "maxlength": str(MAX_TEXT)})


class ForwardForm(FlaskForm):
    email = EmailField(_l("Send to (e-mail)"), validators=[
        DataRequired(_l("Give the e-mail address to forward the invoice to.")), Length(max=254),
        Regexp(r"^\s*[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+\s*$", message=_l("Give one e-mail address like name@example.com."))],
        render_kw={"autocomplete": "email", "spellcheck": "false"})
    message = TextAreaField(_l("Message (optional)"), validators=[
        Optional(), Length(max=MAX_MESSAGE, message=_l("A message is at most %(max)d characters."))],
        render_kw={"rows": "3", "maxlength": str(MAX_MESSAGE)})


def may_forward() -> bool:
    return "forward" in (principal().get("permissions") or []) and bool(settings().get("forward_documents"))


def conversation_for(invoice: dict, comments: list[dict] | None = None) -> dict:
    """What templates/portal/_invoice_conversation.html shows under an invoice (`comments`:
    when billing answered them with the page)."""
    if comments is None:
        comments = billing().comments(org_id(), customer_id(), invoice["invoice_id"])
    return {"comments": comments,
            "comment_form": CommentForm(formdata=None),
            "forward_form": ForwardForm(formdata=None) if may_forward() else None}


def _back_url(invoice_id: str, anchor: str) -> str:
    return url_for("portal_invoices.invoice", invoice_id=invoice_id, _anchor=anchor)


def _back(invoice_id: str, anchor: str):
    return redirect(_back_url(invoice_id, anchor))


def _flash_form_errors(form: FlaskForm) -> None:
    flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")


@bp.post("/invoices/<invoice_id>/comments")
@portal(module="invoices", permission="view")
def comment(invoice_id: str):
    form = CommentForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back(invoice_id, "conversation")
    try:
        billing().post_comment(org_id(), customer_id(), invoice_id, form.text.data)
    except ServiceProblem as problem:
        return refused(problem, _back_url(invoice_id, "conversation"), SAID_TO_PERSON)
    flash(_("Your comment was posted."), "success")
    return _back(invoice_id, "conversation")


@bp.post("/invoices/<invoice_id>/forward")
@portal(module="invoices", permission="forward")
def forward(invoice_id: str):
    if not settings().get("forward_documents"):
        flash(_("Forwarding invoices is not enabled for this portal."), "error")
        return _back(invoice_id, "forward")
    form = ForwardForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back(invoice_id, "forward")
    try:
        sent = billing().forward_invoice(org_id(), customer_id(), invoice_id, form.email.data.strip(),
                                         form.message.data or None)
    except ServiceProblem as problem:
        # not enabled, too many forwards, a bad address
        return refused(problem, _back_url(invoice_id, "forward"), SAID_TO_PERSON)
    flash(_("We are e-mailing %(email)s a link to this invoice. To open it they sign in to the portal as a contact "
            "of your company.", email=sent["recipient_email"]), "success")
    return _back(invoice_id, "forward")
