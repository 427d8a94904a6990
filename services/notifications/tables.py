"""notifications' MetaData, on which every table of the service is declared (Alembic's
migrations/env.py reads it), and every table that is not a projection of its own events
(projections/ holds those; rebuild-projections rebuilds them):

What other services' events feed (copies, kept by the event handlers):
- `activity`: the staff activity feed, fed by every other service's events (rebuilt by
  replaying the topics, not by rebuild-projections).
- the audit log (`audit_entries`) is fed by other services' events and by notifications' own,
  so it lives with its projection (projections/audit.py).
- `known_contacts`, `payment_payers`, `ticket_contacts`, `invoice_numbers`: what the mails to
  customers need (handlers/customer_mail.py); `known_shipments`: what the mails about a
  shipment name (order number, carrier, tracking; handlers/delivery_mail.py); `link_payers`: the address a payment-link payer
  typed (handlers/link_payers.py); `known_staff`: the org's staff (handlers/staff_mail.py).

Queues and operational state:
- `webhook_targets`: each webhook's URL and signing secret, written beside the
  registration in the same transaction; never in an event (a URL may hold a secret).
- `webhook_deliveries`: one row per (webhook, event): the queue and the delivery log.
- `emails`: the mail outbox and log: one row per mail, rendered when it is queued.
- `activity_reads`: how far each staff member has read the org's activity feed (the
  highest activity id seen), keyed by org and staff id.
- `staff_mail_prefs`: each staff member's activity mail choice per kind.
- `unsubscribe_keys`, `unsubscribes`: the per-org signing key of unsubscribe links and who
  unsubscribed from what (handlers/unsubscribes.py).
"""
from sqlalchemy import (JSON, Boolean, Column, Float, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)

metadata = MetaData()


# -- fed by other services' events ------------------------------------------------------------

activity = Table(
    "activity", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("org_id", String(64), nullable=False),
    Column("service", String(40), nullable=False),
    Column("type", String(100), nullable=False),
    Column("aggregate_type", String(64), nullable=False),
    Column("aggregate_id", String(64), nullable=False),
    Column("actor_kind", String(20), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    # what the entry says beyond its type (handlers/activity.py): the thing's number or title,
    # the customer it concerns, and who did it, by name, as notifications knew them then
    Column("subject", String(200)),
    Column("customer_id", String(64)),
    Column("actor_name", String(200)),
    Index("ix_activity_org_id_id", "org_id", "id"),
)

known_contacts = Table(
    "known_contacts", metadata,
    Column("contact_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False, index=True),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("language", String(10), nullable=False, default="en"),
    Column("notify", JSON, nullable=False, default=dict),
)

payment_payers = Table(
    "payment_payers", metadata,
    Column("payment_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("contact_id", String(64), nullable=False),
)

ticket_contacts = Table(
    "ticket_contacts", metadata,
    Column("ticket_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("contact_id", String(64), nullable=False),
)

invoice_numbers = Table(
    "invoice_numbers", metadata,
    Column("invoice_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("number", String(64), nullable=False),
)

known_shipments = Table(
    "known_shipments", metadata,
    Column("shipment_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("sales_order_id", String(64), nullable=False),
    Column("order_number", Text, nullable=False),
    Column("carrier", Text),
    Column("tracking_number", Text),
    Column("tracking_url", Text),
    Column("expected_on", String(10)),
)

link_payers = Table(
    "link_payers", metadata,
    Column("payment_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("email", String(320), nullable=False),
    Column("name", String(200)),                     # whom the mail greets; none: "Hello,"
)

known_staff = Table(
    "known_staff", metadata,
    Column("staff_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False, index=True),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
)

# -- queues and operational state -------------------------------------------------------------

webhook_targets = Table(
    "webhook_targets", metadata,
    Column("webhook_id", String(64), primary_key=True),
    Column("url", String(2000), nullable=False),
    Column("secret", String(200), nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries", metadata,
    Column("delivery_id", String(36), primary_key=True),
    Column("webhook_id", String(64), nullable=False),
    Column("org_id", String(64), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(20), nullable=False),          # pending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("last_status_code", Integer),
    Column("last_error", String(500)),
    Column("created_at", String(40), nullable=False),
    Column("finished_at", String(40)),
    UniqueConstraint("webhook_id", "event_id", name="uq_delivery_webhook_event"),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
    Index("ix_deliveries_webhook", "webhook_id", "created_at"),
)

emails = Table(
    "emails", metadata,
    Column("email_id", String(36), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("recipient_name", String(200)),
    Column("sender_name", String(200), nullable=False),
    Column("customer_id", String(64)),
    Column("contact_id", String(64)),
    Column("subject", String(300), nullable=False),
    Column("text_body", Text, nullable=False),
    Column("html_body", Text, nullable=False),
    Column("status", String(20), nullable=False),      # pending|sending|sent|failed|unconfirmed|unsubscribed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("outcome_events", Integer, nullable=False, default=0),
    Column("last_error", String(500)),
    Column("created_at", String(40), nullable=False),
    Column("sent_at", String(40)),
    Column("unsubscribe_url", String(2000)),          # RFC 8058 one-click target; null: essential mail
    UniqueConstraint("org_id", "idempotency_key", name="uq_email_org_key"),
    Index("ix_emails_due", "status", "next_attempt_at"),
    Index("ix_emails_org_created", "org_id", "created_at"),
)

activity_reads = Table(
    "activity_reads", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("staff_id", String(64), primary_key=True),
    Column("last_read_id", Integer, nullable=False),
    Column("read_at", String(40), nullable=False),
)

staff_mail_prefs = Table(
    "staff_mail_prefs", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("staff_id", String(64), primary_key=True),
    Column("kind", String(40), primary_key=True),
    Column("mode", String(20), nullable=False),
)

unsubscribe_keys = Table(
    "unsubscribe_keys", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("secret", String(100), nullable=False),
)

unsubscribes = Table(
    "unsubscribes", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("recipient", String(340), primary_key=True),
    Column("topic", String(40), primary_key=True),
    Column("created_at", String(40), nullable=False),
)
