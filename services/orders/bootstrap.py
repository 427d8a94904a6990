"""What orders is made of, wired once per process by services.chassis.runtime.bootstrap:
SPEC, the command handlers (COMMAND_HANDLERS: command class -> handler) and the event
handlers (EVENT_HANDLERS: topic -> event type -> handlers, run in list order)."""
from pathlib import Path

from contracts.catalogue import topic_for
from services.chassis import orgs
from services.chassis.runtime import ServiceSpec, subscriptions_of
from services.orders import projections, tables
from services.orders.domain import commands as c
from services.orders.handlers import orders, projects, quotes, shipments, timesheets
from services.orders.handlers import service_requests as requests

COMMAND_HANDLERS = {
    c.PlaceOrder: orders.place_order,
    c.ChangeOrder: orders.change_order,
    c.CancelOrder: orders.cancel_order,
    c.MarkInvoiced: orders.mark_invoiced,
    c.AddShipment: shipments.add_shipment,
    c.ReportDelivery: shipments.report_delivery,
    c.OpenServiceRequest: requests.open_service_request,
    c.ChangeServiceRequest: requests.change_service_request,
    c.PostServiceRequestUpdate: requests.post_service_request_update,
    c.CreateProject: projects.create_project,
    c.ChangeProject: projects.change_project,
    c.AddTask: projects.add_task,
    c.ChangeTask: projects.change_task,
    c.AddMilestone: projects.add_milestone,
    c.ChangeMilestone: projects.change_milestone,
    c.LogTime: timesheets.log_time,
    c.DecideWeek: timesheets.decide_week,
}

# Incoming events, by topic and type: the handlers run in this order, in one transaction.
# One handler each today, so the order has nothing to settle yet.
EVENT_HANDLERS = {
    topic_for("identity"): {
        "OrganizationCreated": [orgs.on_organization_created],       # the org directory
        "PortalSettingsChanged": [orgs.on_portal_settings_changed],
    },
    topic_for("billing"): {
        "InvoiceIssued": [orders.on_invoice_issued],                 # an invoice for an order: invoiced
    },
    topic_for("documents"): {
        "QuoteAccepted": [quotes.on_quote_accepted],                 # an accepted quote: a confirmed order
    },
}


def subscriptions() -> dict:
    """What the consumer runs: one handler per (topic, type) running EVENT_HANDLERS' list."""
    return subscriptions_of(EVENT_HANDLERS)


def _blueprints():
    from services.orders.api import blueprints
    return blueprints()


SPEC = ServiceSpec(
    name="orders",
    title="orders service",
    metadata=tables.metadata,
    migrations=Path(__file__).parent / "migrations",
    projections=projections.all_projections,
    subscriptions=subscriptions,
    blueprints=_blueprints,
)
