"""billing's payments API: contacts pay and follow their payments; staff, API keys (scope
"payments") and the operator see every payment, record offline ones, refund, and drive the
simulated gateway. Thin translators: JSON -> command -> handlers/payments.py; reads hit the
read models (queries/payments.py). See API.md for the rules.
"""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.billing.api.schemas import (OfflinePaymentIn, PaymentIn, PaymentListArgs, PaymentOut,
                                          PaymentPageOut, RefundIn, SimulateIn, StaffPaymentListArgs,
                                          StaffPaymentOut, StaffPaymentPageOut)
from services.billing.domain.commands import (RecordOfflinePayment, RefundPayment, SimulateOutcome,
                                              StartPayment)
from services.billing.handlers import payments, refunds
from services.billing.queries import payments as payment_queries
from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime

blp = Blueprint("payments", __name__, description="Payments: pay online, follow, offline payments, refunds")

STAFF_KINDS = ("staff", "api_key", "system")
PAY = dict(module="invoices", permission="pay")
VIEW = dict(module="payments", permission="view")
MANAGE = dict(module="payments")


def _allocations(body) -> tuple:
    return tuple((a["invoice_id"], a["amount_minor"]) for a in body["invoices"])


def _staff_detail(org_id, payment_id):
    with read_only(runtime().engine) as conn:
        return payment_queries.payment_detail(conn, org_id, payment_id, for_customer=False)


def customer_detail(org_id, customer_id, payment_id):
    with read_only(runtime().engine) as conn:
        return payment_queries.payment_detail(conn, org_id, payment_id, for_customer=True,
                                              customer_id=customer_id, caller=auth.principal())


@blp.route("/orgs/<org_id>/customers/<customer_id>/payments")
class CustomerPayments(MethodView):
    @auth.requires("contact", **PAY)
    @blp.arguments(PaymentIn)
    @blp.response(201, PaymentOut)
    @blp.alt_response(200, schema=PaymentOut,
                      description="The contact's own payment for these invoices was still only initiated: "
                                  "it is answered again (resumed), not doubled.")
    @blp.alt_response(409, description="An invoice has a payment in progress (`payment_id` names it).")
    def post(self, body, org_id, customer_id):
        """Pay one or more invoices (several only where the org allows bulk payments)."""
        cmd = StartPayment(org_id=org_id, customer_id=customer_id, invoices=_allocations(body),
                           method=body["method"], return_url=body["return_url"] or "", gateway=body["gateway"],
                           contact_id=auth.principal().id)
        payment_id, created = payments.start_payment(runtime(), cmd)
        detail = customer_detail(org_id, customer_id, payment_id)
        return detail if created else (detail, 200)

    @auth.requires("contact", "staff", "system", **VIEW)
    @blp.arguments(PaymentListArgs, location="query")
    @blp.response(200, PaymentPageOut)
    def get(self, args, org_id, customer_id):
        """The customer's payments, newest first (`invoice_id`: one invoice's history)."""
        query = payment_queries.PaymentQuery(customer_id=customer_id, **args)
        with read_only(runtime().engine) as conn:
            return payment_queries.list_payments(conn, org_id, query, for_customer=True, caller=auth.principal())


@blp.route("/orgs/<org_id>/customers/<customer_id>/payments/<payment_id>")
class CustomerPaymentById(MethodView):
    # Whoever may see the customer's invoices follows a payment's status, also where the
    # org keeps the payments history (module "payments") switched off.
    @auth.requires("contact", "staff", "system", module="invoices", permission="view")
    @blp.response(200, PaymentOut)
    def get(self, org_id, customer_id, payment_id):
        """One payment, for the portal's live status (poll until settled or failed)."""
        return customer_detail(org_id, customer_id, payment_id)


@blp.route("/orgs/<org_id>/payments")
class Payments(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(StaffPaymentListArgs, location="query")
    @blp.response(200, StaffPaymentPageOut)
    def get(self, args, org_id):
        """The org's payments, newest first; filters: customer, status, gateway, invoice."""
        with read_only(runtime().engine) as conn:
            return payment_queries.list_payments(conn, org_id, payment_queries.PaymentQuery(**args),
                                                 for_customer=False)


@blp.route("/orgs/<org_id>/payments/offline")
class OfflinePayments(MethodView):
    # Money recorded as received marks invoices paid: owners and admins, not every agent
    # (issue 14, case 15); API keys with the scope "payments" (an ERP's bank reconciliation).
    @auth.requires(*STAFF_KINDS, roles=("owner", "admin"), **MANAGE)
    @blp.arguments(OfflinePaymentIn)
    @blp.response(201, StaffPaymentOut)
    def post(self, body, org_id):
        """Record money that came outside any gateway (bank transfer, cash, cheque): settled at once."""
        payment_id = payments.record_offline(runtime(), RecordOfflinePayment(
            org_id=org_id, customer_id=body["customer_id"], invoices=_allocations(body), method=body["method"],
            reference=body["reference"]))
        return _staff_detail(org_id, payment_id)


@blp.route("/orgs/<org_id>/payments/<payment_id>")
class PaymentById(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.response(200, StaffPaymentOut)
    def get(self, org_id, payment_id):
        """One payment with its gateway reference."""
        return _staff_detail(org_id, payment_id)


@blp.route("/orgs/<org_id>/payments/<payment_id>/refund")
class RefundView(MethodView):
    @auth.requires(*STAFF_KINDS, roles=("owner", "admin"), **MANAGE)
    @blp.arguments(RefundIn)
    @blp.response(200, StaffPaymentOut)
    def post(self, body, org_id, payment_id):
        """Give back part or all of a settled payment (owners and admins). Its invoices stay paid
        unless `reopen_invoice` is true: then the payment is reversed and they owe the amount again."""
        refunds.refund(runtime(), RefundPayment(org_id, payment_id, body["amount_minor"], body["reason"],
                                                body["request_id"], body["reopen_invoice"]))
        return _staff_detail(org_id, payment_id)


@blp.route("/orgs/<org_id>/payments/<payment_id>/simulate")
class SimulateView(MethodView):
    @auth.requires("staff")
    @blp.arguments(SimulateIn)
    @blp.response(200, StaffPaymentOut)
    def post(self, body, org_id, payment_id):
        """Settle or fail a pending payment of the simulated gateway (409 for any other)."""
        payments.simulate_outcome(runtime(), SimulateOutcome(org_id, payment_id, body["outcome"]))
        return _staff_detail(org_id, payment_id)
