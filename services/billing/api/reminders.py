"""billing's payment reminders API: the org's schedule (on or off, the days from the due date
reminders are sent on) and the customers left out of it. Staff (owners and admins), API keys
(scope "invoices") and the operator. Thin translators: handlers/reminders.py does the work;
the sweep that sends them runs in billing's worker."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.billing.domain.reminders import STEPS
from services.billing.handlers import reminders
from services.billing.queries import reminders as reminder_queries
from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime

blp = Blueprint("reminders", __name__, description="Payment reminders: the org's schedule, customers left out")

KINDS = ("staff", "api_key", "system")
MANAGE = dict(module="invoices", roles=("owner", "admin"))


class ScheduleIn(Schema):
    enabled = fields.Boolean(required=True)
    days = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(max=len(STEPS)),
                       metadata={"description": f"Days from the due date, each one of {list(STEPS)}."})


class LeftOutOut(Schema):
    customer_id = fields.String()
    customer_name = fields.String(allow_none=True)
    updated_at = fields.String()
    updated_by = fields.String(allow_none=True)


class ScheduleOut(Schema):
    enabled = fields.Boolean()
    days = fields.List(fields.Integer())
    steps = fields.List(fields.Integer(), metadata={"description": "The days a schedule may use."})
    customers_left_out = fields.List(fields.Nested(LeftOutOut))


class CustomerIn(Schema):
    enabled = fields.Boolean(required=True, metadata={"description": "false: this customer gets no reminders."})


def schedule(org_id: str) -> dict:
    with read_only(runtime().engine) as conn:
        return reminder_queries.schedule(conn, org_id)


@blp.route("/orgs/<org_id>/reminders")
class Schedule(MethodView):
    @auth.requires(*KINDS, **MANAGE)
    @blp.response(200, ScheduleOut)
    def get(self, org_id):
        """The schedule (off, on the default days, until staff turn it on) and who is left out."""
        return schedule(org_id)

    @auth.requires(*KINDS, **MANAGE)
    @blp.arguments(ScheduleIn)
    @blp.response(200, ScheduleOut)
    def put(self, body, org_id):
        """Turn reminders on or off and choose their days."""
        reminders.set_schedule(runtime(), org_id, body["enabled"], body["days"], auth.principal().id)
        return schedule(org_id)


@blp.route("/orgs/<org_id>/customers/<customer_id>/reminders")
class CustomerReminders(MethodView):
    @auth.requires(*KINDS, **MANAGE)
    @blp.arguments(CustomerIn)
    @blp.response(200, ScheduleOut)
    def put(self, body, org_id, customer_id):
        """Leave a customer out of reminders, or take it back in."""
        reminders.set_customer(runtime(), org_id, customer_id, body["enabled"], auth.principal().id)
        return schedule(org_id)
