"""The console's home page under /console: what needs attention first (what customers owe and
what of it is overdue, payments waiting at the bank, tickets with a reply nobody read, mail
that could not be sent, and failing webhooks through their own notice), then the way to each
part. Each figure comes from its own service and is left out while that one cannot answer.

Staff sign in through the public sign-in pages (gateway/public/signin.py, kind "staff") and
pass MFA through the same pages as contacts; identity always asks staff to enrol."""
from __future__ import annotations

from flask import Blueprint, render_template

from gateway.clients.base import ServiceProblem, ServiceUnavailable
from gateway.console.tickets import support
from gateway.web.access import console
from gateway.web.context import billing, notifications, org_id, principal

bp = Blueprint("console_dashboard", __name__, url_prefix="/console")

COUNTED = 100                   # counts beyond this read "100+"


def _quietly(read):
    try:
        return read()
    except (ServiceProblem, ServiceUnavailable):
        return None


def _count(items: list | None) -> str | None:
    if items is None:
        return None
    return f"{COUNTED}+" if len(items) > COUNTED else str(len(items))


@bp.get("")
@console()
def dashboard():
    org = org_id()
    pending = _quietly(lambda: billing().staff_payments(org, {"status": "pending", "limit": COUNTED})["items"])
    failed_mail = _quietly(lambda: notifications().emails(org, "failed", COUNTED + 1))
    return render_template("console/dashboard/dashboard.html", person=principal(),
                           receivables=_quietly(lambda: billing().org_summary(org)),
                           pending_payments=_count(pending), unread_tickets=_quietly(lambda: support().unread()),
                           failed_mail=_count(failed_mail))
