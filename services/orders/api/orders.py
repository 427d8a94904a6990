"""Sales orders over HTTP: thin translators from JSON to commands; reads hit the read model.

Staff, API keys (scope "sales_orders") and the operator manage an org's orders under
/orgs/<org>/sales-orders. Contacts read their customer's orders under
/orgs/<org>/customers/<customer>/sales-orders (module "sales_orders", permission "view"):
another customer's or org's order answers 404 there.
"""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.orders.api.schemas import (CancelIn, ListArgs, OrderIn, OrderOut, OrderPageOut, OrderPatch,
                                         StaffListArgs, SummaryOut)
from services.orders.domain.commands import CancelOrder, ChangeOrder, PlaceOrder
from services.orders.handlers import orders as handlers
from services.orders.queries import orders as queries

blp = Blueprint("sales_orders", __name__, description="Sales orders: placing, changes, cancelling, the portal's list")

STAFF_KINDS = ("staff", "api_key", "system")
MANAGE = dict(module="sales_orders")
VIEW = dict(module="sales_orders", permission="view")


def staff_detail(org_id: str, order_id: str) -> dict:
    with read_only(runtime().engine) as conn:
        return queries.order_detail(conn, org_id, order_id, auth.principal())


def _query(args: dict, **extra) -> queries.ListQuery:
    return queries.ListQuery(**{**args, **extra})


@blp.route("/orgs/<org_id>/sales-orders")
class Orders(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(OrderIn)
    @blp.response(201, OrderOut)
    @blp.alt_response(200, schema=OrderOut,
                      description="An order with this external_ref exists already: it is answered unchanged.")
    def post(self, body, org_id):
        """Place a confirmed order (idempotent on `external_ref`)."""
        if body.get("ordered_on"):
            body["ordered_on"] = body["ordered_on"].isoformat()
        order_id, created = handlers.place_order(runtime(), PlaceOrder(org_id=org_id, **body))
        detail = staff_detail(org_id, order_id)
        return detail if created else (detail, 200)

    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(StaffListArgs, location="query")
    @blp.response(200, OrderPageOut)
    def get(self, args, org_id):
        """The org's orders, newest first; keyset pages (`cursor` from `next_cursor`)."""
        with read_only(runtime().engine) as conn:
            return queries.list_orders(conn, org_id, _query(args), auth.principal())


@blp.route("/orgs/<org_id>/sales-orders/<order_id>")
class OrderById(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.response(200, OrderOut)
    def get(self, org_id, order_id):
        return staff_detail(org_id, order_id)

    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(OrderPatch)
    @blp.response(200, OrderOut)
    def patch(self, changes, org_id, order_id):
        """Change lines, notes or the order date (while confirmed), or move the status forward."""
        if changes.get("ordered_on"):
            changes["ordered_on"] = changes["ordered_on"].isoformat()
        handlers.change_order(runtime(), ChangeOrder(org_id, order_id, changes))
        return staff_detail(org_id, order_id)


@blp.route("/orgs/<org_id>/sales-orders/<order_id>/cancel")
class CancelView(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(CancelIn)
    @blp.response(200, OrderOut)
    def post(self, body, org_id, order_id):
        """Cancel an order that has not fully shipped."""
        handlers.cancel_order(runtime(), CancelOrder(org_id, order_id, body["reason"]))
        return staff_detail(org_id, order_id)


@blp.route("/orgs/<org_id>/customers/<customer_id>/sales-orders")
class CustomerOrders(MethodView):
    @auth.requires("contact", "staff", "system", **VIEW)
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, OrderPageOut)
    def get(self, args, org_id, customer_id):
        """A customer's orders as the portal lists them: by status ("open" too), dates, number."""
        with read_only(runtime().engine) as conn:
            return queries.list_orders(conn, org_id, _query(args, customer_id=customer_id), auth.principal())


@blp.route("/orgs/<org_id>/customers/<customer_id>/sales-orders/<order_id>")
class CustomerOrderById(MethodView):
    @auth.requires("contact", "staff", "system", **VIEW)
    @blp.response(200, OrderOut)
    def get(self, org_id, customer_id, order_id):
        """The order with lines, taxes, amounts, its invoices and its shipments with their timelines."""
        with read_only(runtime().engine) as conn:
            return queries.order_detail(conn, org_id, order_id, auth.principal(), customer_id=customer_id)


@blp.route("/orgs/<org_id>/customers/<customer_id>/orders-summary")
class CustomerSummary(MethodView):
    @auth.requires("contact", "staff", "system", **VIEW)
    @blp.response(200, SummaryOut)
    def get(self, org_id, customer_id):
        """The portal home's figures: open orders and shipments on the way."""
        with read_only(runtime().engine) as conn:
            return queries.summary(conn, org_id, customer_id)
