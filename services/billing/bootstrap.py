"""What billing is made of, wired once per process by services.chassis.runtime.bootstrap:
its tables and read models, the commands and the handler of each, the events it acts on,
its HTTP blueprints (api/__init__.py), its worker loops, and its ports to the outside world
(rt.ports: built once per process; a test replaces an entry, or registers a fake gateway on
rt.ports["gateways"])."""
from pathlib import Path

from contracts.catalogue import topic_for
from services.billing import api, projections
from services.billing.adapters.identity_logo import IdentityLogos
from services.billing.adapters.registry import PaymentGateways
from services.billing.domain import commands as c
from services.billing.handlers import (comments, credit_notes, expiry, gateway_connections, invoices,
                                       payment_links, payment_methods, payments, refunds, reminders, returns)
from services.billing.projections.customers import on_customer_created, on_customer_updated
from services.billing.tables import metadata
from services.chassis import orgs
from services.chassis.runtime import ServiceSpec, subscriptions_of

COMMAND_HANDLERS = {
    c.CreateInvoice: invoices.create_invoice,
    c.CreateInvoices: invoices.create_invoices,
    c.UpdateInvoice: invoices.update_invoice,
    c.IssueInvoice: invoices.issue_invoice,
    c.VoidInvoice: invoices.void_invoice,
    c.DiscardDraft: invoices.discard_draft,
    c.RecordInvoiceView: invoices.record_view,
    c.StartPayment: payments.start_payment,
    c.RecordOfflinePayment: payments.record_offline,
    c.RefundPayment: refunds.refund,
    c.SimulateOutcome: payments.simulate_outcome,
    c.ReturnFromGateway: returns.come_back,
    c.IssueCreditNote: credit_notes.issue_credit_note,
    c.ApplyCredit: credit_notes.apply_credit,
    c.RefundCredit: credit_notes.refund_credit,
    c.PostComment: comments.post_comment,
    c.ForwardInvoice: comments.forward_invoice,
    c.CreatePaymentLink: payment_links.create_link,
    c.PayByLink: payment_links.pay,
    c.CancelLinkPayment: payment_links.cancel_payment,
    c.StartMethodSetup: payment_methods.start_setup,
    c.CompleteMethodSetup: payment_methods.complete_setup,
    c.SetDefaultMethod: payment_methods.set_default,
    c.RemoveMethod: payment_methods.remove,
    c.ConnectGateway: gateway_connections.connect,
    c.DisconnectGateway: gateway_connections.disconnect,
    c.CheckGatewayConnection: gateway_connections.check_connection,
}

# Incoming events, by topic and type, each with the handlers that act on it, run in the
# order listed (in the consumer's transaction): the orgs and their settings (billing's copy,
# services/chassis/orgs.py), and the customers' names, addresses and tax ids (for documents).
# One handler each today.
EVENT_HANDLERS = {
    topic_for("identity"): {
        "OrganizationCreated": [orgs.on_organization_created],
        "PortalSettingsChanged": [orgs.on_portal_settings_changed],
        "CustomerCreated": [on_customer_created],
        "CustomerUpdated": [on_customer_updated],
    },
}


def subscriptions() -> dict:
    return subscriptions_of(EVENT_HANDLERS)


def _ports(rt) -> dict:
    return {
        "gateways": PaymentGateways(rt),      # which payment adapter, with which keys, for an org
        "logos": IdentityLogos(rt.config.service_urls.get("identity", "http://127.0.0.1:8101")),
    }


SPEC = ServiceSpec(
    name="billing",
    title="billing service",
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    projections=projections.all_projections,
    subscriptions=subscriptions,
    blueprints=api.blueprints,
    # abandoned "initiated" payments expire (handlers/expiry.py); refunds left open are finished
    # (refunds.py); payment reminders due are sent (reminders.py)
    background=lambda: [expiry.loop, refunds.loop, reminders.loop],
    ports=_ports,
)
