"""The console's sent mail (owners and admins): every mail of the org, newest first (kind,
recipient, subject, status, attempts, when it went out), filtered by status, a page at a time;
and "Send again" for a mail that failed or is unconfirmed (the worker stopped while the SMTP
server had it: notifications does not resend that on its own, services/notifications/handlers/mail_delivery.py).
A mail not sent because its recipient unsubscribed shows as such and cannot be resent.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.console.activity import moment
from gateway.console.mail import KIND_LABELS
from gateway.web.access import MANAGERS, console
from gateway.web.context import notifications, org_id

bp = Blueprint("console_emails", __name__, url_prefix="/console")

PER_PAGE = 25
MAX_PAGE = 10_000
STATUS_LABELS = {"pending": _l("Waiting to be sent"), "sent": _l("Sent"), "failed": _l("Failed"),
                 "unconfirmed": _l("Unconfirmed"), "unsubscribed": _l("Not sent: unsubscribed")}
RESENDABLE = ("failed", "unconfirmed")


def _status(raw: str | None) -> str | None:
    return raw if raw in STATUS_LABELS else None


def _page(raw: str | None) -> int:
    raw = raw or ""
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_PAGE else 1


@bp.get("/emails")
@console(roles=MANAGERS)
def emails():
    status, page = _status(request.args.get("status")), _page(request.args.get("page"))
    found = notifications().emails(org_id(), status, PER_PAGE + 1, (page - 1) * PER_PAGE)
    return render_template("console/emails/emails.html", mails=found[:PER_PAGE], more=len(found) > PER_PAGE,
                           status=status, page=page, labels=STATUS_LABELS, kinds=KIND_LABELS,
                           resendable=RESENDABLE, moment=moment)


@bp.get("/emails/<email_id>")
@console(roles=MANAGERS)
def email(email_id: str):
    """One mail as it went out: its text as text, its HTML only inside a sandboxed frame (no
    script of a template runs in the console). Mails carrying a one-time link for their
    recipient (invitation, reset, verification) show no content."""
    found = notifications().email(org_id(), email_id)
    return render_template("console/emails/email.html", mail=found, labels=STATUS_LABELS, kinds=KIND_LABELS,
                           resendable=RESENDABLE, moment=moment)


@bp.post("/emails/<email_id>/resend")
@console(roles=MANAGERS)
def resend(email_id: str):
    page = _page(request.form.get("page"))
    back = url_for("console_emails.emails", status=_status(request.form.get("status")),
                   page=page if page > 1 else None)
    try:
        mail = notifications().resend_email(org_id(), email_id)
    except ServiceProblem as problem:
        if problem.status == 404:
            raise
        flash(problem.detail or _("This e-mail cannot be sent again."), "error")   # e.g. already sent (409)
        return redirect(back)
    flash(_("The e-mail to %(recipient)s is queued to be sent again.", recipient=mail["recipient"]), "success")
    return redirect(back)
