"""Outbound webhooks: staff commands, and the fan-out of incoming events into deliveries
(the delivery loop the worker runs is handlers/webhook_delivery.py).

Exactly once towards a receiver, as far as its dedupe on `Portal-Delivery-Id` goes:
a delivery row is created once per (webhook, event) in the transaction that marks
the incoming event handled, so a redelivered or replayed event makes no second
delivery; a retry resends the same delivery id. The window that remains: the
receiver answered 2xx but the worker died before recording it, so it is sent
again with the same delivery id."""
from __future__ import annotations

import time
import uuid

from sqlalchemy import delete, insert, select

from contracts.catalogue import CATALOGUE
from services.chassis import orgs
from services.chassis.db import upsert_insert
from services.chassis.errors import NotFound
from services.chassis.events import Event, utc_now
from services.notifications.adapters.webhook_http import new_secret
from services.notifications.domain.commands import DeleteWebhook, RegisterWebhook, SetWebhookActive
from services.notifications.domain.webhook import Webhook
from services.notifications.handlers.webhook_delivery import WebhookSettings
from services.notifications.projections.webhooks import webhooks
from services.notifications.tables import webhook_deliveries, webhook_targets

KNOWN_TYPES = frozenset(t for t, c in CATALOGUE.items() if c.service != "notifications")


# -- staff commands ---------------------------------------------------------------------
def register_webhook(rt, cmd: RegisterWebhook) -> tuple[str, str]:
    """Returns (webhook_id, secret); the secret is shown once and kept sealed under
    NOTIFICATIONS_SECRETS_KEY (services/chassis/secretbox.py). Plain http only where
    WEBHOOK_ALLOW_HTTP is on (dev and tests)."""
    allow_http = WebhookSettings.from_config(rt.config).allow_http
    with rt.store.unit_of_work() as uow:
        orgs.get(uow.conn, cmd.org_id)                      # 404 for an org we do not know
        hook = Webhook.register(cmd.org_id, cmd.url, cmd.event_types, set(KNOWN_TYPES), allow_http)
        secret = new_secret()
        uow.add(hook)
        uow.conn.execute(insert(webhook_targets).values(webhook_id=hook.id, url=cmd.url,
                                                        secret=rt.ports["secrets"].seal(secret)))
        uow.commit()
    return hook.id, secret


def set_webhook_active(rt, cmd: SetWebhookActive) -> None:
    with rt.store.unit_of_work() as uow:
        hook = _live(uow, cmd.org_id, cmd.webhook_id)
        hook.enable() if cmd.active else hook.disable(cmd.reason or "Disabled by staff.")
        uow.add(hook)
        uow.commit()


def delete_webhook(rt, cmd: DeleteWebhook) -> None:
    """No more deliveries, and the URL and secret are forgotten; the delivery log stays."""
    with rt.store.unit_of_work() as uow:
        hook = _live(uow, cmd.org_id, cmd.webhook_id)
        hook.delete()
        uow.add(hook)
        uow.conn.execute(delete(webhook_targets).where(webhook_targets.c.webhook_id == cmd.webhook_id))
        uow.commit()


def _live(uow, org_id: str, webhook_id: str) -> Webhook:
    hook = uow.load(Webhook, webhook_id, org_id)
    if hook.deleted:
        raise NotFound("No such webhook.")
    return hook


# -- incoming events --------------------------------------------------------------------
def enqueue(event: Event, uow) -> None:
    """One delivery per active webhook of the event's org that wants its type."""
    rows = uow.conn.execute(select(webhooks.c.webhook_id, webhooks.c.event_types).where(
        webhooks.c.org_id == event.org_id, webhooks.c.active.is_(True))).all()
    targets = [r.webhook_id for r in rows if "*" in r.event_types or event.type in r.event_types]
    if not targets:
        return
    ins = upsert_insert(uow.conn, webhook_deliveries)
    now, payload = time.time(), event.envelope()
    for webhook_id in targets:
        uow.conn.execute(ins.values(
            delivery_id=str(uuid.uuid4()), webhook_id=webhook_id, org_id=event.org_id,
            event_id=event.event_id, event_type=event.type, payload=payload, status="pending",
            attempts=0, next_attempt_at=now, created_at=utc_now(),
        ).on_conflict_do_nothing(index_elements=["webhook_id", "event_id"]))
