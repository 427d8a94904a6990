"""Timesheets over HTTP.

Staff, API keys (scope "timesheets") and the operator log entries (idempotent on
`external_ref`) and list the org's entries and weeks. Contacts (module "timesheets") read
their customer's weeks with entries and totals (permission "view") and approve or dispute a
week's billable hours (permission "approve"); a week decided is decided again only once new
hours arrive for it (409 until then).
"""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.orders.api.orders import STAFF_KINDS
from services.orders.api.project_schemas import (DecisionIn, EntryIn, EntryListArgs, EntryListOut, EntryOut,
                                                 TimesheetArgs, TimesheetOut, WeekListArgs, WeekListOut)
from services.orders.domain.commands import DecideWeek, LogTime
from services.orders.handlers import timesheets as handlers
from services.orders.queries import timesheets as queries

blp = Blueprint("timesheets", __name__, description="Timesheet entries, weeks and the customer's decisions")

MANAGE = dict(module="timesheets")


@blp.route("/orgs/<org_id>/timesheet-entries")
class Entries(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(EntryIn)
    @blp.response(201, EntryOut)
    @blp.alt_response(200, schema=EntryOut, description="An entry with this external_ref exists already.")
    def post(self, body, org_id):
        """Log hours on a project (and optionally one of its tasks)."""
        body["work_date"] = body["work_date"].isoformat()
        entry_id, created = handlers.log_time(runtime(), LogTime(org_id=org_id, **body))
        with read_only(runtime().engine) as conn:
            found = queries.entry(conn, org_id, entry_id, auth.principal())
        return found if created else (found, 200)

    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(EntryListArgs, location="query")
    @blp.response(200, EntryListOut)
    def get(self, args, org_id):
        """The org's entries, newest day first (by customer, project or week)."""
        with read_only(runtime().engine) as conn:
            return {"items": queries.org_entries(conn, org_id, auth.principal(), **args)}


@blp.route("/orgs/<org_id>/timesheet-weeks")
class Weeks(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(WeekListArgs, location="query")
    @blp.response(200, WeekListOut)
    def get(self, args, org_id):
        """Every customer's weeks with their state and the customer's last decision and comment."""
        with read_only(runtime().engine) as conn:
            return {"items": queries.org_weeks(conn, org_id, auth.principal(), **args)}


@blp.route("/orgs/<org_id>/customers/<customer_id>/timesheets")
class CustomerTimesheets(MethodView):
    @auth.requires("contact", "staff", "system", module="timesheets", permission="view")
    @blp.arguments(TimesheetArgs, location="query")
    @blp.response(200, TimesheetOut)
    def get(self, args, org_id, customer_id):
        """The customer's weeks (newest first) with entries, totals per week and per project."""
        with read_only(runtime().engine) as conn:
            return queries.customer_weeks(conn, org_id, customer_id, auth.principal(), **args)


def _decide(org_id: str, customer_id: str, week: str, comment, approve: bool) -> dict:
    caller = auth.principal()
    handlers.decide_week(runtime(), DecideWeek(org_id, customer_id, week, approve, comment,
                                               contact_id=caller.id if caller.kind == "contact" else None,
                                               contact_name=caller.name))
    with read_only(runtime().engine) as conn:
        return queries.customer_weeks(conn, org_id, customer_id, caller, from_week=week, to_week=week)


@blp.route("/orgs/<org_id>/customers/<customer_id>/timesheet-weeks/<week>/approve")
class ApproveWeek(MethodView):
    @auth.requires("contact", module="timesheets", permission="approve")
    @blp.arguments(DecisionIn)
    @blp.response(200, TimesheetOut)
    def post(self, body, org_id, customer_id, week):
        """Approve the week's billable hours (a comment is optional)."""
        return _decide(org_id, customer_id, week, body["comment"], approve=True)


@blp.route("/orgs/<org_id>/customers/<customer_id>/timesheet-weeks/<week>/dispute")
class DisputeWeek(MethodView):
    @auth.requires("contact", module="timesheets", permission="approve")
    @blp.arguments(DecisionIn)
    @blp.response(200, TimesheetOut)
    def post(self, body, org_id, customer_id, week):
        """Dispute the week's billable hours, saying why (the comment is required)."""
        return _decide(org_id, customer_id, week, body["comment"], approve=False)
