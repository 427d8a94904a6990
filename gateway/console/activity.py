"""The console's activity feed: what happened in the org (payments, comments, approvals,
uploads, tickets, a webhook switched off ...), newest first, a page at a time, each entry with
what it is about (an invoice's number, a title), the customer, who did it, and a link to it; and each staff
member's unread count, kept by notifications per (org, staff id) — the staff id is the one in
the internal token, so one person's "mark all read" is theirs alone.

Each staff member also chooses, per kind of activity, an e-mail each time, a daily digest or
none (`/console/activity/mail`); notifications sends them.

The count in the navigation updates without a reload: base.html asks for
`/console/activity/unread` when the page loads and then every 10 seconds (htmx polling,
`hx-select` keeps only the badge, so a signed-out answer shows nothing rather than a page).
"""
from __future__ import annotations

import re
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from gateway.clients.base import ServiceProblem, ServiceUnavailable
from gateway.console.activity_links import link_of
from gateway.console.forms import ACTIVITY_KIND_LABELS, ActivityMailForm, MAIL_MODES
from gateway.console.invoices import _customers
from gateway.web.access import MANAGERS, console
from gateway.web.context import notifications, org_id, principal
from gateway.web.event_titles import EVENT_TITLES
from gateway.web.filters import moment as moment_text
from gateway.web.forms import apply_problem

bp = Blueprint("console_activity", __name__, url_prefix="/console")

PER_PAGE = 50
SERVICE_LABELS = {"identity": _l("Accounts"), "billing": _l("Billing"), "orders": _l("Orders"), "support": _l("Support"),
                  "documents": _l("Documents"), "notifications": _l("Notifications")}
ACTOR_LABELS = {"contact": _l("a customer"), "staff": _l("staff"), "system": _l("the system"),
                "api_key": _l("an internal system")}


def label(event_type: str) -> str:
    """`PaymentSettled` -> "Payment settled" in the page's language (gateway/web/event_titles.py; a
    few types say more); a type it does not list yet, in English words made from its name."""
    if event_type in EVENT_TITLES:
        return str(EVENT_TITLES[event_type])
    words = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", event_type)
    return " ".join([words[0], *(w.lower() for w in words[1:])]) if words else event_type


def moment(iso: str | None) -> dict | None:
    """An instant for a <time> element: its text in the page's language ("08 Dec 2026, 09:00 UTC"
    in English, the month in the reader's language else) and its machine-readable form."""
    if not iso:
        return None
    try:
        at = datetime.fromisoformat(iso)
    except ValueError:
        return {"text": iso, "iso": iso}
    return {"text": moment_text(iso), "iso": at.isoformat(timespec="seconds")}


def _before() -> int | None:
    raw = request.args.get("before") or ""
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**62 else None


@bp.get("/activity")
@console()
def activity():
    before = _before()
    items = notifications().activity(org_id(), before, PER_PAGE)
    marker = notifications().unread(org_id())
    older = items[-1]["id"] if len(items) == PER_PAGE else None
    customers = _customers({i["customer_id"] for i in items if i.get("customer_id")})
    return render_template("console/activity/activity.html", items=items, marker=marker, before=before, older=older,
                           label=label, moment=moment, services=SERVICE_LABELS, actors=ACTOR_LABELS,
                           customers=customers, link_of=link_of, may_manage=principal().get("role") in MANAGERS)


@bp.get("/activity/unread")
@console()
def unread():
    """The navigation's badge (an HTML fragment). Notifications down: no badge, not an error page."""
    try:
        count = notifications().unread(org_id())["unread"]
    except ServiceUnavailable:
        count = None
    return render_template("console/activity/_unread.html", count=count)


@bp.post("/activity/read")
@console()
def mark_read():
    notifications().mark_read(org_id())
    flash(_("Everything in the feed is marked read."), "success")
    return redirect(url_for("console_activity.activity"))


@bp.route("/activity/mail", methods=["GET", "POST"])
@console()
def mail_preferences():
    """The signed-in staff member's own choice of activity mail (nobody else's)."""
    if request.method == "GET":
        form = ActivityMailForm(formdata=None, data=notifications().mail_preferences(org_id()))
        return _preferences_page(form, [])
    form = ActivityMailForm()
    if not form.validate():
        return _preferences_page(form, [], 400)
    try:
        notifications().set_mail_preferences(org_id(), {k: form[k].data for k in ACTIVITY_KIND_LABELS})
    except ServiceProblem as problem:
        return _preferences_page(form, apply_problem(form, problem), 422)
    flash(_("Your activity e-mail choices are saved."), "success")
    return redirect(url_for("console_activity.mail_preferences"))


def _preferences_page(form: ActivityMailForm, messages: list[str], status: int = 200):
    return render_template("console/activity/activity_mail.html", form=form, messages=messages,
                           kinds=ACTIVITY_KIND_LABELS, modes=MAIL_MODES), status
