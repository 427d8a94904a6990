"""The org's webhooks (with their URLs, never their secrets) and each one's delivery log."""
from __future__ import annotations

from sqlalchemy import and_, select

from services.chassis.errors import NotFound
from services.notifications.projections.webhooks import webhooks
from services.notifications.tables import webhook_deliveries, webhook_targets


def _with_url():
    return select(webhooks, webhook_targets.c.url).join(
        webhook_targets, webhook_targets.c.webhook_id == webhooks.c.webhook_id)


def listing(conn, org_id: str) -> list:
    return [r._mapping for r in conn.execute(
        _with_url().where(webhooks.c.org_id == org_id).order_by(webhook_targets.c.url))]


def one(conn, org_id: str, webhook_id: str):
    row = conn.execute(_with_url().where(webhooks.c.org_id == org_id,
                                         webhooks.c.webhook_id == webhook_id)).first()
    if row is None:
        raise NotFound("No such webhook.")
    return row._mapping


def deliveries_of(conn, org_id: str, webhook_id: str, limit: int = 50) -> list:
    return conn.execute(select(webhook_deliveries).where(and_(
        webhook_deliveries.c.org_id == org_id, webhook_deliveries.c.webhook_id == webhook_id))
        .order_by(webhook_deliveries.c.created_at.desc()).limit(limit)).all()
