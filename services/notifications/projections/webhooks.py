"""The webhooks read model, projected from the Webhook events. `consecutive_failures` is
the delivery loop's running count (operational state, reset by a success)."""
from sqlalchemy import JSON, Boolean, Column, Integer, String, Table, delete, insert, update

from services.chassis.projections import Projection
from services.notifications.tables import metadata

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
