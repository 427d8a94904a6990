"""Shipments and delivery reports over HTTP.

Staff, API keys (scope "sales_orders") and the operator add shipments to an order (idempotent
on `external_ref`) and post delivery reports (applied once per `update_ref`; late and
out-of-order reports are placed by the carrier's time). Contacts list their customer's
shipments under /orgs/<org>/customers/<customer>/shipments (module "deliveries").
"""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.orders.api.orders import MANAGE, STAFF_KINDS
from services.orders.api.schemas import DeliveryIn, ShipmentIn, ShipmentListArgs, ShipmentOut, ShipmentPageOut
from services.orders.domain.commands import AddShipment, ReportDelivery
from services.orders.handlers import shipments as handlers
from services.orders.queries import orders as queries

blp = Blueprint("shipments", __name__, description="Shipments and their delivery status")


def _iso(value):
    return value.isoformat() if value is not None else None


def staff_shipment(org_id: str, shipment_id: str) -> dict:
    with read_only(runtime().engine) as conn:
        return queries.shipment_detail(conn, org_id, shipment_id, auth.principal())


@blp.route("/orgs/<org_id>/sales-orders/<order_id>/shipments")
class OrderShipments(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(ShipmentIn)
    @blp.response(201, ShipmentOut)
    @blp.alt_response(200, schema=ShipmentOut,
                      description="A shipment with this external_ref exists already: it is answered unchanged.")
    def post(self, body, org_id, order_id):
        """Add a shipment (packed or dispatched); the order moves to partially shipped or shipped."""
        body.update(expected_on=_iso(body["expected_on"]), reported_at=_iso(body["reported_at"]))
        shipment_id, created = handlers.add_shipment(runtime(), AddShipment(org_id=org_id, order_id=order_id, **body))
        found = staff_shipment(org_id, shipment_id)
        return found if created else (found, 200)


@blp.route("/orgs/<org_id>/shipments/<shipment_id>")
class ShipmentById(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.response(200, ShipmentOut)
    def get(self, org_id, shipment_id):
        return staff_shipment(org_id, shipment_id)


@blp.route("/orgs/<org_id>/shipments/<shipment_id>/status")
class DeliveryStatus(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(DeliveryIn)
    @blp.response(200, ShipmentOut)
    def post(self, body, org_id, shipment_id):
        """A carrier's report. A repeat (same `update_ref`, or same status and time) changes nothing."""
        body["reported_at"] = _iso(body["reported_at"])
        handlers.report_delivery(runtime(), ReportDelivery(org_id=org_id, shipment_id=shipment_id, **body))
        return staff_shipment(org_id, shipment_id)


@blp.route("/orgs/<org_id>/customers/<customer_id>/shipments")
class CustomerShipments(MethodView):
    @auth.requires("contact", "staff", "system", module="deliveries", permission="view")
    @blp.arguments(ShipmentListArgs, location="query")
    @blp.response(200, ShipmentPageOut)
    def get(self, args, org_id, customer_id):
        """Every shipment of the customer, newest first (`status=on_the_way`: not delivered yet)."""
        with read_only(runtime().engine) as conn:
            return queries.list_shipments(conn, org_id, customer_id, auth.principal(), **args)
