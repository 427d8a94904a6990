"""The org's webhooks (with their URLs, never their secrets) and each one's delivery log.
What failed reads as a sentence: text an HTTP library wrote, kept from before attempts
recorded sentences, is replaced (domain/webhook.readable)."""
from __future__ import annotations

from sqlalchemy import and_, select

from services.chassis.errors import NotFound
from services.notifications.domain.webhook import UNREADABLE_FAILURE, UNREADABLE_REASON, readable
from services.notifications.projections.webhooks import webhooks
from services.notifications.tables import webhook_deliveries, webhook_targets


def _with_url():
    return select(webhooks, webhook_targets.c.url).join(
        webhook_targets, webhook_targets.c.webhook_id == webhooks.c.webhook_id)


def _hook(row) -> dict:
    return {**row._mapping, "disabled_reason": readable(row.disabled_reason, UNREADABLE_REASON)}


def listing(conn, org_id: str) -> list:
    return [_hook(r) for r in conn.execute(
        _with_url().where(webhooks.c.org_id == org_id).order_by(webhook_targets.c.url))]


def one(conn, org_id: str, webhook_id: str):
    row = conn.execute(_with_url().where(webhooks.c.org_id == org_id,
                                         webhooks.c.webhook_id == webhook_id)).first()
    if row is None:
        raise NotFound("No such webhook.")
    return _hook(row)


def deliveries_of(conn, org_id: str, webhook_id: str, limit: int = 50) -> list:
    rows = conn.execute(select(webhook_deliveries).where(and_(
        webhook_deliveries.c.org_id == org_id, webhook_deliveries.c.webhook_id == webhook_id))
        .order_by(webhook_deliveries.c.created_at.desc()).limit(limit)).all()
    return [{**r._mapping, "last_error": readable(r.last_error, UNREADABLE_FAILURE)} for r in rows]
