"""What notifications is made of, wired once per process by services.chassis.runtime.bootstrap:
SPEC, its ports (the SMTP mailer and the webhook sender), the command handlers
(COMMAND_HANDLERS: command class -> handler) and the event handlers (EVENT_HANDLERS:
topic -> event type -> handlers, run in list order)."""
from pathlib import Path

from contracts.catalogue import CATALOGUE, topic_for
from services.chassis import orgs
from services.chassis.runtime import ServiceSpec, subscriptions_of
from services.chassis.secretbox import SecretBox
from services.notifications import projections, tables
from services.notifications.adapters.smtp import SmtpMailer
from services.notifications.adapters.webhook_http import WebhookSender
from services.notifications.domain import commands as c
from services.notifications.handlers import (activity, audit, customer_mail, delivery_mail, feed, link_payers, mail,
                                             mail_delivery, staff_mail, unsubscribes, webhook_delivery, webhooks)
from services.notifications.handlers import service_request_mail

COMMAND_HANDLERS = {
    c.QueueEmail: mail.queue_email,
    c.ResendEmail: mail.resend_email,
    c.ChangeTemplate: mail.change_template,
    c.ResetTemplate: mail.reset_template,
    c.RegisterWebhook: webhooks.register_webhook,
    c.SetWebhookActive: webhooks.set_webhook_active,
    c.DeleteWebhook: webhooks.delete_webhook,
    c.MarkFeedRead: feed.mark_feed_read,
    c.SetMailPreferences: staff_mail.set_mail_preferences,
    c.Unsubscribe: unsubscribes.apply_unsubscribe,
}

# Incoming events, by topic and type: the handlers run in this order, in one transaction
# (the one that marks the event handled). Why the order matters:
# - unsubscribes.on_profile_updated compares the profile's new `notify` with notifications'
#   copy of it, so it runs BEFORE customer_mail.on_profile_updated replaces that copy
#   (the other way round, ticking a box in the profile would never lift an unsubscribe).
# - What the mails need runs before any mail is queued: the org directory (orgs.*: a mail
#   names its org, and the org's first event must find it), the staff, the contacts, the
#   payers, the invoice numbers, the shipments (delivery_mail.on_shipment_dispatched keeps the
#   shipment before it mails about it).
# - audit.on_audited_event (the audit log) runs after what keeps the names it says (the staff,
#   the contacts) and before the activity feed, which names an API key by its audit entry.
# - activity.on_portal_event runs LAST for every event of another service: the activity
#   feed, the webhooks' queue, and the staff's immediate mail (which needs the above).
# Every event type of the catalogue not listed here runs activity.on_portal_event alone.
# (The order is the one the former `_then` chain ran, written down.)
IDENTITY, BILLING, ORDERS, SUPPORT, DOCUMENTS = (topic_for(s) for s in ("identity", "billing", "orders", "support",
                                                                        "documents"))
EVENT_HANDLERS = {
    IDENTITY: {
        "OrganizationCreated": [orgs.on_organization_created, activity.on_portal_event],
        "PortalSettingsChanged": [orgs.on_portal_settings_changed, audit.on_audited_event, activity.on_portal_event],
        "CustomerUpdated": [audit.on_audited_event, activity.on_portal_event],
        "CustomerModulesChanged": [audit.on_audited_event, activity.on_portal_event],
        "ContactAdded": [customer_mail.on_contact_added, activity.on_portal_event],
        "ProfileUpdated": [unsubscribes.on_profile_updated, customer_mail.on_profile_updated,
                           activity.on_portal_event],
        "PermissionsChanged": [audit.on_audited_event, activity.on_portal_event],
        "MfaDisabled": [audit.on_audited_event, activity.on_portal_event],
        "SessionRevoked": [audit.on_audited_event, activity.on_portal_event],
        "StaffMemberAdded": [staff_mail.on_staff_added, audit.on_audited_event, activity.on_portal_event],
        "StaffInvited": [staff_mail.on_staff_added, audit.on_audited_event, activity.on_portal_event],
        "StaffMemberActivated": [staff_mail.on_staff_activated, activity.on_portal_event],
        "StaffRoleChanged": [audit.on_audited_event, activity.on_portal_event],
        "StaffMemberRemoved": [staff_mail.on_staff_removed, audit.on_audited_event, activity.on_portal_event],
        "ApiKeyCreated": [audit.on_audited_event, activity.on_portal_event],
        "ApiKeyRevoked": [audit.on_audited_event, activity.on_portal_event],
    },
    BILLING: {
        "InvoiceIssued": [customer_mail.on_invoice_issued, activity.on_portal_event],
        "ReminderSent": [customer_mail.on_reminder_sent, activity.on_portal_event],
        "PaymentInitiated": [link_payers.on_payment_initiated, customer_mail.on_payment_initiated,
                             activity.on_portal_event],
        "PaymentSettled": [link_payers.on_payment_settled, customer_mail.on_payment_settled,
                           activity.on_portal_event],
        "PaymentFailed": [link_payers.on_payment_failed, customer_mail.on_payment_failed, activity.on_portal_event],
        "InvoiceForwarded": [customer_mail.on_invoice_forwarded, activity.on_portal_event],
        "CommentPosted": [customer_mail.on_comment_posted, activity.on_portal_event],
    },
    ORDERS: {
        "ShipmentDispatched": [delivery_mail.on_shipment_dispatched, activity.on_portal_event],
        "DeliveryStatusChanged": [delivery_mail.on_delivery_status_changed, activity.on_portal_event],
        "ServiceRequestUpdated": [service_request_mail.on_service_request_updated, activity.on_portal_event],
    },
    SUPPORT: {
        "TicketRaised": [customer_mail.on_ticket_raised, activity.on_portal_event],
        "TicketMessagePosted": [customer_mail.on_ticket_message_posted, activity.on_portal_event],
    },
    DOCUMENTS: {
        "DocumentShared": [customer_mail.on_document_shared, activity.on_portal_event],
        "DocumentForwarded": [customer_mail.on_document_forwarded, activity.on_portal_event],
    },
}
for _contract in CATALOGUE.values():
    if _contract.service != "notifications":
        EVENT_HANDLERS.setdefault(topic_for(_contract.service), {}).setdefault(
            _contract.type, [activity.on_portal_event])


def subscriptions() -> dict:
    """What the consumer runs: one handler per (topic, type) running EVENT_HANDLERS' list."""
    return subscriptions_of(EVENT_HANDLERS)


def _ports(rt) -> dict:
    """The outside world, built once per process from the settings (tests hand in fakes)."""
    return {"mailer": SmtpMailer(mail_delivery.MailSettings.from_config(rt.config).smtp),
            "webhooks": _webhook_sender(rt),
            "secrets": SecretBox(rt.config.setting("SECRETS_KEY"))}      # webhooks' signing secrets at rest


def _webhook_sender(rt) -> WebhookSender:
    settings = webhook_delivery.WebhookSettings.from_config(rt.config)
    return WebhookSender(settings.timeout_s, allow_private=settings.allow_private)


def _blueprints():
    from services.notifications.api import blueprints
    return blueprints()


def _background():
    """The worker's loops beside the relay and the consumer."""
    return [webhook_delivery.deliver_webhooks, mail_delivery.send_emails, staff_mail.send_digests]


SPEC = ServiceSpec(
    name="notifications",
    title="notifications service",
    metadata=tables.metadata,
    migrations=Path(__file__).parent / "migrations",
    projections=projections.all_projections,
    subscriptions=subscriptions,
    blueprints=_blueprints,
    background=_background,
    ports=_ports,
)
