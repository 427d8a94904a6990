"""Delivering outbound webhooks: the worker's loop, its settings, and what each attempt
records (handlers/webhooks.py queues the deliveries).

Exactly once towards a receiver, as far as its dedupe on `Portal-Delivery-Id` goes: a
retry resends the same delivery id. The window that remains: the receiver answered 2xx
but the worker died before recording it, so it is sent again with the same delivery id.

**No tenant stalls another.** Deliveries go out on a small pool of threads
(WEBHOOK_CONCURRENCY, 16), one at a time per endpoint (its order kept) and at most
WEBHOOK_PER_ORG (4) at once per org: an endpoint that answers slowly holds its own slot
for up to WEBHOOK_TIMEOUT_S, never the others' (`Dispatcher`)."""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from services.chassis.config import Config
from services.chassis.events import Event, utc_now
from services.chassis.leader import leadership
from services.notifications.adapters.webhook_http import WebhookSender
from services.notifications.domain.webhook import Webhook, retry_delay
from services.notifications.projections.webhooks import webhooks
from services.notifications.tables import activity, webhook_deliveries, webhook_targets

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookSettings:
    allow_http: bool = False          # only https URLs, except in dev and tests
    retry_base_s: float = 5.0
    max_attempts: int = 10
    disable_after: int = 15           # consecutive failed attempts before a webhook is switched off
    timeout_s: float = 10.0
    poll_s: float = 0.2
    allow_private: bool = False       # private, loopback and link-local addresses: only in dev and tests
    concurrency: int = 16             # deliveries in flight at once, all orgs
    per_org: int = 4                  # of them, one org's

    @classmethod
    def from_config(cls, config: Config) -> "WebhookSettings":
        """WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE, WEBHOOK_RETRY_BASE_S, WEBHOOK_MAX_ATTEMPTS,
        WEBHOOK_DISABLE_AFTER, WEBHOOK_TIMEOUT_S, WEBHOOK_CONCURRENCY, WEBHOOK_PER_ORG (each may be
        prefixed NOTIFICATIONS_)."""
        return cls(allow_http=config.setting("WEBHOOK_ALLOW_HTTP", "false").lower() == "true",
                   allow_private=config.setting("WEBHOOK_ALLOW_PRIVATE", "false").lower() == "true",
                   retry_base_s=config.setting_float("WEBHOOK_RETRY_BASE_S", cls.retry_base_s),
                   max_attempts=config.setting_int("WEBHOOK_MAX_ATTEMPTS", cls.max_attempts),
                   disable_after=config.setting_int("WEBHOOK_DISABLE_AFTER", cls.disable_after),
                   timeout_s=config.setting_float("WEBHOOK_TIMEOUT_S", cls.timeout_s),
                   concurrency=max(config.setting_int("WEBHOOK_CONCURRENCY", cls.concurrency), 1),
                   per_org=max(config.setting_int("WEBHOOK_PER_ORG", cls.per_org), 1))


# -- the delivery loop ------------------------------------------------------------------
def deliver_webhooks(rt, stop: threading.Event) -> None:
    """Worker loop. One worker per service delivers (a lock), so no delivery is sent
    by two replicas at once. No database transaction is open during an HTTP call.
    The sender is the runtime's port."""
    settings = WebhookSettings.from_config(rt.config)
    dispatcher = Dispatcher(rt, rt.ports["webhooks"], settings)
    leader = leadership(rt.engine, "webhooks")
    while not stop.is_set() and not leader.try_acquire():
        stop.wait(1.0)
    try:
        while not stop.is_set():
            if not leader.still_held():       # its database restarted: another worker may lead now
                log.warning("webhook delivery lost its leadership; standing by")
                return                        # the worker starts this loop again (chassis/worker.py)
            if dispatcher.round(wait=False) == 0:
                stop.wait(settings.poll_s)
    finally:
        dispatcher.close()
        leader.release()


def deliver_due(rt, sender: WebhookSender, settings: WebhookSettings, limit: int = 20) -> int:
    """One round, waiting for its deliveries (tests, `make up`'s first look)."""
    dispatcher = Dispatcher(rt, sender, settings)
    try:
        return dispatcher.round(wait=True, limit=limit)
    finally:
        dispatcher.close()


class Dispatcher:
    """Sends due deliveries on a thread pool: one in flight per endpoint, `per_org` per org,
    `concurrency` in all. A round picks what is due and free and returns at once (or waits)."""

    def __init__(self, rt, sender: WebhookSender, settings: WebhookSettings):
        self.rt, self.sender, self.settings = rt, sender, settings
        self.pool = ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="webhook")
        self.lock = threading.Lock()
        self.busy: dict[str, str] = {}                      # webhook id -> its org, while in flight

    def round(self, wait: bool, limit: int = 200) -> int:
        with self.lock:
            busy_hooks, busy_orgs = set(self.busy), Counter(self.busy.values())
        room = self.settings.concurrency - len(busy_hooks)
        if room <= 0:
            return 0
        picked = []
        for row in self._due(limit):
            if len(picked) >= room:
                break
            if row.webhook_id in busy_hooks or busy_orgs[row.org_id] >= self.settings.per_org:
                continue
            busy_hooks.add(row.webhook_id)
            busy_orgs[row.org_id] += 1
            picked.append(row)
        with self.lock:
            self.busy.update({row.webhook_id: row.org_id for row in picked})
        futures = [self.pool.submit(self._deliver, row) for row in picked]
        if wait:
            for future in futures:
                future.result()
        return len(picked)

    def _due(self, limit: int):
        with self.rt.engine.connect() as conn:
            return conn.execute(
                select(webhook_deliveries, webhook_targets.c.url, webhook_targets.c.secret)
                .join(webhooks, webhooks.c.webhook_id == webhook_deliveries.c.webhook_id)
                .join(webhook_targets, webhook_targets.c.webhook_id == webhooks.c.webhook_id)
                .where(webhook_deliveries.c.status == "pending", webhooks.c.active.is_(True),
                       webhook_deliveries.c.next_attempt_at <= time.time())
                .order_by(webhook_deliveries.c.next_attempt_at).limit(limit)).all()

    def _deliver(self, row) -> None:
        try:
            body = json.dumps(row.payload, separators=(",", ":")).encode()
            secret = self.rt.ports["secrets"].open(row.secret)
            outcome = self.sender.send(row.url, secret, body, row.delivery_id, row.event_id, row.event_type)
            _record(self.rt, row, outcome, self.settings)
        except Exception:  # noqa: BLE001 - recorded at the next round; one delivery never stops the pool
            log.exception("webhook delivery %s could not be recorded", row.delivery_id)
        finally:
            with self.lock:
                self.busy.pop(row.webhook_id, None)

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _record(rt, row, outcome, settings: WebhookSettings) -> None:
    attempts = row.attempts + 1
    with rt.store.unit_of_work() as uow:
        delivery = webhook_deliveries.c.delivery_id == row.delivery_id
        base = {"delivered_event_id": row.event_id, "delivered_event_type": row.event_type,
                "webhook_id": row.webhook_id, "delivery_id": row.delivery_id, "attempts": attempts}
        if outcome.ok:
            uow.conn.execute(update(webhook_deliveries).where(delivery).values(
                status="delivered", attempts=attempts, last_status_code=outcome.status_code,
                last_error=None, finished_at=utc_now()))
            uow.conn.execute(update(webhooks).where(webhooks.c.webhook_id == row.webhook_id)
                             .values(consecutive_failures=0))
            uow.append([_outcome_event(row, "WebhookDelivered", {
                **base, "status_code": outcome.status_code, "duration_ms": outcome.duration_ms})])
        else:
            final = attempts >= settings.max_attempts
            uow.conn.execute(update(webhook_deliveries).where(delivery).values(
                status="failed" if final else "pending", attempts=attempts,
                last_status_code=outcome.status_code, last_error=outcome.error,
                next_attempt_at=time.time() + retry_delay(attempts, settings.retry_base_s),
                finished_at=utc_now() if final else None))
            if final:
                uow.append([_outcome_event(row, "WebhookFailed", {
                    **base, "status_code": outcome.status_code, "error": outcome.error or "failed"})])
            failures = uow.conn.execute(
                update(webhooks).where(webhooks.c.webhook_id == row.webhook_id)
                .values(consecutive_failures=webhooks.c.consecutive_failures + 1)
                .returning(webhooks.c.consecutive_failures)).scalar()
            if failures >= settings.disable_after:
                _disable_failing(uow, row, failures, outcome.error)
        uow.commit()


def _disable_failing(uow, row, failures: int, error: str) -> None:
    hook = uow.load(Webhook, row.webhook_id, row.org_id)
    hook.disable(f"{failures} deliveries in a row failed. The last: {error or 'no answer.'}")
    uow.add(hook)
    for event in hook.pending:            # the staff's notice: it shows in their activity feed
        uow.conn.execute(insert(activity).values(
            event_id=event.event_id, org_id=event.org_id, service="notifications", type=event.type,
            aggregate_type=event.aggregate_type, aggregate_id=event.aggregate_id,
            actor_kind="system", occurred_at=event.occurred_at))
    log.warning("webhook %s disabled after %d failed deliveries", row.webhook_id, failures)


def _outcome_event(row, event_type: str, data: dict) -> Event:
    return Event(type=event_type, org_id=row.org_id, aggregate_type="WebhookDelivery",
                 aggregate_id=row.delivery_id, aggregate_version=1, data=data)
