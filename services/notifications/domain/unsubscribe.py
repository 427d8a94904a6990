"""Which mail a recipient may stop with an unsubscribe link, and who that recipient is.

Essential mail (invitations, resets, receipts, payment failures ...: `Kind.essential`) has no
link and ignores unsubscribes. Every other kind belongs to a *topic*: for contacts the key of
their profile's mail preferences (identity's `notify`: "invoices", "tickets", "documents",
"orders"), for staff "activity" (their activity mail, each time or the daily digest). Pure data."""
from __future__ import annotations

from services.notifications.domain.mail_kinds import KINDS
from services.notifications.i18n import N_

TOPICS = {"invoice_issued": "invoices", "payment_reminder": "invoices", "portal_comment": "invoices", "ticket_reply": "tickets",
          "document_shared": "documents",
          "shipment_dispatched": "orders", "shipment_delivered": "orders", "shipment_exception": "orders",
          "service_request_update": "tickets", "staff_activity": "activity", "staff_digest": "activity"}
# In English; translated where a mail shows them (handlers/unsubscribes.with_footer).
TOPIC_LABELS = {"invoices": N_("new invoices, payment reminders and comments on invoices"),
                "tickets": N_("replies to your tickets and service requests"),
                "documents": N_("documents shared with you"), "orders": N_("deliveries of your orders"),
                "activity": N_("portal activity")}


def topic_of(kind: str) -> str | None:
    """The topic of a non-essential kind; None for essential mail (never unsubscribed)."""
    k = KINDS.get(kind)
    if k is None or k.essential:
        return None
    return TOPICS.get(kind, kind)


def recipient_key(to: str, contact_id: str | None = None, staff_id: str | None = None) -> str:
    """Who is unsubscribed: the contact or staff member (whatever address they later use),
    else the address itself (lower case)."""
    if contact_id:
        return f"contact:{contact_id}"
    if staff_id:
        return f"staff:{staff_id}"
    return f"email:{to.strip().lower()}"


def describe(topic: str) -> str:
    return TOPIC_LABELS.get(topic, topic.replace("_", " "))
