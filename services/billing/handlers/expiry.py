"""Expiry of abandoned payments: a payment still only `initiated` (the customer never
finished at the gateway's page, or the gateway could not be reached and nobody came back)
holds its invoices' duplicate-payment lock. After BILLING_INITIATED_TTL it is failed with
reason "expired" (PaymentFailed, so the lock goes and the invoices can be paid again).

Run by a loop in billing's worker (`loop`, every BILLING_EXPIRY_SWEEP_S) and callable on its
own (`sweep(rt, now=...)`, the clock injectable for tests). Per gateway:

- simulated: expired, unless the simulated gateway recorded an outcome for it (a crash
  between its answer and ours): then that outcome is recorded instead.
- paypal: an unapproved order simply expires at PayPal, so the payment is expired too; but
  an order the buyer approved (the return page never loaded) is captured first, like the
  return page would, so that no approved payment is dropped.
- stripe: left to Stripe, whose Checkout Session expires on its own (24 h by default,
  STRIPE_SESSION_TTL_S) and says so with `checkout.session.expired` (-> failed, "expired").
- `pending` payments (a bank debit under way) are never expired: money may be on its way.

Safe to run twice or at once in several workers: each payment is failed in its own unit of
work that reloads it and fails it only while it is still initiated; two sweeps at once
collide on the payment's stream version, and the loser reloads and finds it failed. So one
PaymentFailed, whatever runs concurrently (and a payment that moved to pending meanwhile is
left alone).

Settings (rt.config.setting, read at each run): BILLING_INITIATED_TTL (seconds, default 3600),
BILLING_EXPIRY_SWEEP_S (seconds between runs, default 60), BILLING_EXPIRY_BATCH (payments per
run, default 200).
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from services.billing.adapters.registry import GatewayNotAvailable
from services.billing.adapters.simulated import SimulatedGateway
from services.billing.domain.payment import Payment
from services.billing.handlers import payments
from services.billing.projections.payments import payments as payment_rows
from services.billing.tables import payment_gateway_refs, simulated_gateway_payments
from services.chassis.errors import retry_on_conflict
from services.chassis.sweeps import every

log = logging.getLogger(__name__)

EXPIRED = "expired"
MESSAGE = "The payment was not finished in time and has expired. You can pay again."
SWEPT = ("simulated", "paypal")           # stripe: its own session expiry (checkout.session.expired)


def ttl_seconds(config) -> int:
    value = config.setting_int("INITIATED_TTL", 3600)
    if value <= 0:
        raise ValueError("BILLING_INITIATED_TTL must be a positive number of seconds.")
    return value


def sweep(rt, now: datetime | None = None, ttl_s: int | None = None, batch: int | None = None) -> int:
    """Expire the payments initiated before `now - ttl`; answers how many were failed here."""
    now = now or datetime.now(timezone.utc)
    cutoff = (now - timedelta(seconds=ttl_s if ttl_s is not None else ttl_seconds(rt.config))).isoformat(
        timespec="microseconds")
    limit = batch or rt.config.setting_int("EXPIRY_BATCH", 200)
    p, refs = payment_rows.c, payment_gateway_refs.c
    with rt.engine.connect() as conn:
        rows = conn.execute(select(p.payment_id, p.org_id, p.gateway, refs.reference)
                            .select_from(payment_rows.outerjoin(payment_gateway_refs,
                                                                refs.payment_id == p.payment_id))
                            .where(p.status == "initiated", p.gateway.in_(SWEPT), p.initiated_at < cutoff)
                            .order_by(p.initiated_at).limit(limit)).all()
    failed = 0
    for row in rows:
        try:
            failed += _settle_or_expire(rt, row)
        except Exception:  # noqa: BLE001 - one payment's trouble must not stop the others
            log.exception("could not expire payment %s", row.payment_id)
    return failed


def _settle_or_expire(rt, row) -> int:
    if row.gateway == "simulated" and row.reference:
        answer = _simulated_outcome(rt, row.org_id, row.reference)
        if answer is not None:
            payments.apply_answer(rt, row.org_id, row.payment_id, row.gateway, answer)
            return 0
    if row.gateway == "paypal" and row.reference:
        try:
            paypal = rt.ports["gateways"].adapter(row.org_id, "paypal")
        except GatewayNotAvailable:      # PayPal switched off for the org: nothing can capture it
            paypal = None
        update = paypal.capture(row.reference) if paypal is not None else None
        if update is not None:                   # approved after all: take it as the return page would
            payments.apply_update(rt, row.org_id, update, gateway="paypal")
            return 0
    return int(expire(rt, row.org_id, row.payment_id))


def expire(rt, org_id: str, payment_id: str) -> bool:
    """Fail the payment as expired if it is still initiated (reloaded in the unit of work)."""
    def run():
        with rt.store.unit_of_work() as uow:
            payment = uow.load(Payment, payment_id, org_id)
            if payment.status != "initiated" or not payment.fail(EXPIRED, MESSAGE):
                return False
            uow.add(payment)
            uow.commit()
            return True
    return retry_on_conflict(run)


def _simulated_outcome(rt, org_id: str, reference: str):
    """What the simulated gateway recorded for the payment, when it got that far."""
    sim = simulated_gateway_payments.c
    with rt.engine.connect() as conn:
        found = conn.execute(select(simulated_gateway_payments).where(sim.reference == reference,
                                                                      sim.org_id == org_id)).first()
    if found is None or found.status not in ("pending", "settled", "failed", "refunded"):
        return None
    return SimulatedGateway(rt.engine)._answer(found)


def loop(rt, stop: threading.Event) -> None:
    """The worker's background loop: a sweep every BILLING_EXPIRY_SWEEP_S until stop is set."""
    every(rt.config.setting_float("EXPIRY_SWEEP_S", 60.0), lambda: sweep(rt), stop, "abandoned payments expired")
