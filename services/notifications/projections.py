"""notifications' read models.

- `activity`: the staff activity feed, fed by every other service's events (a
  consumer-fed model: rebuilt by replaying the topics).
- `webhooks`: projected from the Webhook events; `consecutive_failures` is the
  delivery loop's running count (operational state, reset by a success).
- `webhook_targets`: each webhook's URL and signing secret, written beside the
  registration in the same transaction; never in an event (a URL may hold a secret).
- `webhook_deliveries`: one row per (webhook, event): the queue and the delivery log.
- `email_templates`: each org's own wording, projected from the EmailTemplate events.
- `emails`: the mail outbox and log: one row per mail, rendered when it is queued.
- `activity_reads`: how far each staff member has read the org's activity feed (the
  highest activity id seen), keyed by org and staff id: operational state, not events.
"""
from sqlalchemy import (JSON, Boolean, Column, Float, Index, Integer, MetaData, String, Table,
                        Text, UniqueConstraint, delete, insert, update)

from services.chassis.projections import Projection

metadata = MetaData()

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
    Index("ix_activity_org_id_id", "org_id", "id"),
)

webhooks = Table(
    "webhooks", metadata,
    Column("webhook_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False, index=True),
    Column("host", String(253), nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("disabled_reason", String(500)),
)

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


email_templates = Table(
    "email_templates", metadata,
    Column("template_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("locale", String(10), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text),
    UniqueConstraint("org_id", "kind", "locale", name="uq_template_org_kind_locale"),
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


class EmailTemplates(Projection):
    tables = (email_templates,)

    def when_EmailTemplateChanged(self, conn, e):
        d = e.data
        values = dict(subject=d["subject"], text=d["text"], html=d["html"])
        done = conn.execute(update(email_templates)
                            .where(email_templates.c.template_id == e.aggregate_id).values(**values))
        if done.rowcount == 0:
            conn.execute(insert(email_templates).values(
                template_id=e.aggregate_id, org_id=e.org_id, kind=d["kind"], locale=d["locale"],
                **values))

    def when_EmailTemplateReset(self, conn, e):
        conn.execute(delete(email_templates).where(email_templates.c.template_id == e.aggregate_id))


class Webhooks(Projection):
    tables = (webhooks,)

    def when_WebhookRegistered(self, conn, e):
        conn.execute(insert(webhooks).values(
            webhook_id=e.aggregate_id, org_id=e.org_id, host=e.data["host"],
            event_types=e.data["event_types"], active=True, consecutive_failures=0))

    def when_WebhookDisabled(self, conn, e):
        conn.execute(update(webhooks).where(webhooks.c.webhook_id == e.aggregate_id)
                     .values(active=False, disabled_reason=e.data["reason"]))

    def when_WebhookEnabled(self, conn, e):
        conn.execute(update(webhooks).where(webhooks.c.webhook_id == e.aggregate_id)
                     .values(active=True, disabled_reason=None, consecutive_failures=0))

    def when_WebhookDeleted(self, conn, e):
        conn.execute(delete(webhooks).where(webhooks.c.webhook_id == e.aggregate_id))


def all_projections():
    return [Webhooks(), EmailTemplates()]
