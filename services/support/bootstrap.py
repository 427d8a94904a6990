"""What support is made of, wired once per process by services.chassis.runtime.bootstrap:
SPEC, the command handlers (COMMAND_HANDLERS: command class -> handler) and the event
handlers (EVENT_HANDLERS: topic -> event type -> handlers, run in list order)."""
from pathlib import Path

from contracts.catalogue import topic_for
from services.chassis import orgs
from services.chassis.runtime import ServiceSpec, subscriptions_of
from services.support import projections, tables
from services.support.domain import commands as c
from services.support.handlers import canned_replies, customers, reviews, tickets

COMMAND_HANDLERS = {
    c.RaiseTicket: tickets.raise_ticket,
    c.PostMessage: tickets.post_message,
    c.AddNote: tickets.add_note,
    c.SetStatus: tickets.set_status,
    c.CloseTicket: tickets.close_ticket,
    c.ReopenTicket: tickets.reopen_ticket,
    c.AssignTicket: tickets.assign_ticket,
    c.MergeTicket: tickets.merge_ticket,
    c.MarkSeen: tickets.mark_seen,
    c.SubmitReview: reviews.submit_review,
    c.AddCannedReply: canned_replies.add_canned_reply,
    c.DeleteCannedReply: canned_replies.delete_canned_reply,
}

# Incoming events, by topic and type: the handlers run in this order, in one transaction.
# One handler each today, so the order has nothing to settle yet.
EVENT_HANDLERS = {
    topic_for("identity"): {
        "OrganizationCreated": [orgs.on_organization_created],       # the org directory
        "PortalSettingsChanged": [orgs.on_portal_settings_changed],
        "CustomerCreated": [customers.on_customer_created],          # the inbox names customers
    },
}


def subscriptions() -> dict:
    """What the consumer runs: one handler per (topic, type) running EVENT_HANDLERS' list."""
    return subscriptions_of(EVENT_HANDLERS)


def _blueprints():
    from services.support.api import blueprints
    return blueprints()


SPEC = ServiceSpec(
    name="support",
    title="support service",
    metadata=tables.metadata,
    migrations=Path(__file__).parent / "migrations",
    projections=projections.all_projections,
    subscriptions=subscriptions,
    blueprints=_blueprints,
)
