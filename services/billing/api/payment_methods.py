"""A contact's saved payment methods over HTTP (services/billing/API.md, "Saved payment
methods"); the rules are handlers/payment_methods.py's. Contacts only (module "invoices",
permission "pay"): a method is its contact's own, so another contact's, customer's or org's
answers 404.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.billing.adapters.registry import SIMULATED, OnlinePaymentUnavailable
from services.billing.domain.commands import (CompleteMethodSetup, RemoveMethod, SetDefaultMethod,
                                              StartMethodSetup)
from services.billing.handlers import payment_methods
from services.billing.queries.payment_methods import list_methods
from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime

blp = Blueprint("payment_methods", __name__, description="Saved payment methods: add, list, default, remove")

PAY = dict(module="invoices", permission="pay")
BASE = "/orgs/<org_id>/customers/<customer_id>/payment-methods"


class MethodOut(Schema):
    method_id = fields.String()
    gateway = fields.String()
    kind = fields.String(metadata={"description": "card or bank_account"})
    brand = fields.String(allow_none=True)
    last4 = fields.String()
    exp_month = fields.Integer(allow_none=True)
    exp_year = fields.Integer(allow_none=True)
    is_default = fields.Boolean()
    created_at = fields.String()


class MethodListOut(Schema):
    items = fields.List(fields.Nested(MethodOut))
    gateway = fields.String(allow_none=True, metadata={
        "description": "Where a new method would be saved: simulated (test methods saved at once, card_declined "
                       "too) or stripe (hosted page); null while the org has no gateway that can be used"})


class SetupIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("card", "bank_account", "card_declined")),
                         metadata={"description": "card_declined: the simulated gateway's test card that declines"})
    return_url = fields.Url(load_default=None, allow_none=True, require_tld=False, schemes={"http", "https"},
                            validate=validate.Length(max=2000))
    currency = fields.String(load_default="EUR", validate=validate.Regexp(r"^[A-Za-z]{3}$"),
                             metadata={"description": "Chooses the bank debit scheme (Stripe)."})
    gateway = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=20))


class SetupOut(Schema):
    setup_id = fields.String()
    gateway = fields.String()
    kind = fields.String()
    status = fields.String(metadata={"description": "open (go to redirect_url), succeeded, failed"})
    redirect_url = fields.String(allow_none=True)
    method = fields.Nested(MethodOut, allow_none=True)


def _who(org_id: str, customer_id: str) -> tuple[str, str, str]:
    return org_id, customer_id, auth.principal().id


def listed_methods(org_id: str, customer_id: str) -> dict:
    """The contact's methods that can pay now (a simulated one only where that gateway is on
    for the org),
    and where a new one would be saved."""
    gateways = runtime().ports["gateways"]
    with read_only(runtime().engine) as conn:
        items = list_methods(conn, *_who(org_id, customer_id))
    if not gateways.simulated_allowed(org_id):
        items = [item for item in items if item["gateway"] != SIMULATED]
    try:
        default = gateways.default_name(org_id)
    except OnlinePaymentUnavailable:
        default = None
    return {"items": items, "gateway": default}


@blp.route(BASE)
class Methods(MethodView):
    @auth.requires("contact", **PAY)
    @blp.response(200, MethodListOut)
    def get(self, org_id, customer_id):
        """The contact's saved methods, the default first."""
        return listed_methods(org_id, customer_id)


@blp.route(BASE + "/setups")
class Setups(MethodView):
    @auth.requires("contact", **PAY)
    @blp.arguments(SetupIn)
    @blp.response(201, SetupOut)
    def post(self, body, org_id, customer_id):
        """Save a card or bank account: done at once (simulated) or `open` with the gateway's
        hosted page at `redirect_url` (Stripe); the page sends the contact back to `return_url`."""
        return payment_methods.start_setup(runtime(), StartMethodSetup(
            *_who(org_id, customer_id), body["kind"], body["return_url"] or "", body["currency"], body["gateway"]))


@blp.route(BASE + "/setups/<setup_id>/complete")
class CompleteSetup(MethodView):
    @auth.requires("contact", **PAY)
    @blp.response(200, SetupOut)
    def post(self, org_id, customer_id, setup_id):
        """Back from the gateway's page: record the method if the setup succeeded (idempotent)."""
        return payment_methods.complete_setup(runtime(), CompleteMethodSetup(*_who(org_id, customer_id), setup_id))


@blp.route(BASE + "/<method_id>/default")
class DefaultMethod(MethodView):
    @auth.requires("contact", **PAY)
    @blp.response(200, MethodListOut)
    def post(self, org_id, customer_id, method_id):
        """Make this method the default (the one other stops being it)."""
        payment_methods.set_default(runtime(), SetDefaultMethod(*_who(org_id, customer_id), method_id))
        return listed_methods(org_id, customer_id)


@blp.route(BASE + "/<method_id>")
class MethodById(MethodView):
    @auth.requires("contact", **PAY)
    @blp.response(204)
    def delete(self, org_id, customer_id, method_id):
        """Remove (detached at the gateway); removing it again is fine."""
        payment_methods.remove(runtime(), RemoveMethod(*_who(org_id, customer_id), method_id))
