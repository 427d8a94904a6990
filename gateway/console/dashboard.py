"""The console's home page under /console: what needs attention first (what customers owe and
what of it is overdue, payments waiting at the bank, tickets with a reply nobody read, mail
that could not be sent, and failing webhooks through their own notice), then the way to each
part. Each figure comes from its own service and is left out while that one cannot answer.

Staff sign in through the public sign-in pages (gateway/public/signin.py, kind "staff") and
pass MFA through the same pages as contacts; identity always asks staff to enrol."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from gateway.clients.base import quietly
from gateway.console import setup
from gateway.console.tickets import support
from gateway.web.access import MANAGERS, console
from gateway.web.context import billing, notifications, org_id, principal

bp = Blueprint("console_dashboard", __name__, url_prefix="/console")

# A role inside the sentence "Signed in as Sam (owner)."
ROLE_WORDS = {"owner": _l("owner"), "admin": _l("admin"), "agent": _l("agent")}
COUNTED = 100                   # counts beyond this read "100+" (one page of billing's list)


def _count(items: list | None, more: bool = False) -> str | None:
    if items is None:
        return None
    return f"{COUNTED}+" if more or len(items) > COUNTED else str(len(items))


@bp.get("")
@console()
def dashboard():
    org = org_id()
    pending = quietly(lambda: billing().staff_payments(org, {"status": "pending", "limit": COUNTED}))
    failed_mail = quietly(lambda: notifications().emails(org, "failed", COUNTED + 1))
    walk = setup.steps() if principal().get("role") in MANAGERS else []
    return render_template("console/dashboard/dashboard.html", person=principal(), role_words=ROLE_WORDS,
                           setup_steps=walk if not all(step.done for step in walk) else [],
                           receivables=quietly(lambda: billing().org_summary(org)),
                           pending_payments=_count(pending and pending["items"], bool(pending and pending["next_cursor"])),
                           unread_tickets=quietly(lambda: support().unread()), failed_mail=_count(failed_mail))
