"""The console's audit log (owners and admins): who changed which settings, access, API keys,
e-mail templates, webhooks and customer details, and when. notifications keeps it from the
events (services/notifications/API.md, "Audit log"); this page filters it (area, person, a
range of days, words), newest first, an "Older" link a keyset page at a time, and "Export CSV"
passes the service's CSV of every entry the filters keep straight through (never held whole).

A filter the service refuses (a cursor from before, a range whose end comes before its
start) is no error page: the log starts again from its first page, unfiltered, and says why."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.console.activity import moment
from gateway.console.invoices import _customers, _sentence
from gateway.web.access import MANAGERS, console
from gateway.web.context import notifications, org_id
from gateway.web.files import send_on
from gateway.web.orders import day_arg

bp = Blueprint("console_audit", __name__, url_prefix="/console")

PAGE_SIZE = 50
# notifications' areas (services/notifications/domain/audit.py), in the console's words
AREA_LABELS = {"settings": _l("Settings"), "access": _l("Access"), "keys": _l("API keys"),
               "templates": _l("E-mail templates"), "webhooks": _l("Webhooks"), "customers": _l("Customer details")}
ACTOR_LABELS = {"staff": _l("Staff"), "contact": _l("Customer"), "api_key": _l("API key"), "system": _l("The system")}
ABOUT_A_CUSTOMER = ("CustomerUpdated", "CustomerModulesChanged")     # entries whose subject_id is a customer's id


def _filters() -> dict:
    args = request.args
    return {"area": args.get("area") if args.get("area") in AREA_LABELS else None,
            "actor": (args.get("actor") or "").strip()[:64] or None,
            "since": day_arg(args.get("since")), "until": day_arg(args.get("until")),
            "q": (args.get("q") or "").strip()[:200] or None}


@bp.get("/audit")
@console(roles=MANAGERS)
def audit():
    filters, cursor = _filters(), (request.args.get("cursor") or "")[:500] or None
    messages: list[str] = []
    try:
        page = notifications().audit(org_id(), {**filters, "cursor": cursor, "limit": PAGE_SIZE})
    except ServiceProblem as problem:
        if problem.status not in (400, 422):
            raise
        messages, cursor, filters = [_sentence(problem)], None, dict.fromkeys(filters)
        page = notifications().audit(org_id(), {"limit": PAGE_SIZE})
    query = {k: v for k, v in filters.items() if v}
    older = url_for("console_audit.audit", cursor=page["next_cursor"], **query) if page.get("next_cursor") else None
    wanted = {e["subject_id"] for e in page["items"] if e["type"] in ABOUT_A_CUSTOMER and e["subject_id"]}
    customers = _customers(wanted) if wanted else {}
    return render_template("console/audit/audit.html", page=page, filters=filters, query=query, cursor=cursor,
                           older=older, messages=messages, actors=notifications().audit_actors(org_id()),
                           csv_url=url_for("console_audit.export", **query), areas=AREA_LABELS,
                           actor_labels=ACTOR_LABELS, customers=customers, about_a_customer=ABOUT_A_CUSTOMER,
                           moment=moment)


@bp.get("/audit.csv")
@console(roles=MANAGERS)
def export():
    return send_on(notifications().audit_csv(org_id(), _filters()))
