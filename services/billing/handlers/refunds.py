"""Refunds: give back part or all of a settled payment, once, whatever the network does.

**One refund per request.** The caller names its request (`request_id`: the console's
form sends the same one however often the button is pressed or the page resubmitted; an
API client sends its own). The refund id is derived from the org, the payment and that
request id, and it is the gateway's idempotency key, so a retry, a double click or two
requests at once make one refund: the second finds the request, asks the gateway again
with the same key (the gateway answers the refund it made) and records it once
(PaymentRefunded is idempotent on the refund id). Without a request id every call is a new
refund.

**Reserved, then asked, then recorded.** The amount is reserved first (`refund_requests`,
under the payment row's lock), so two different refunds at once can never give back more
than was paid; then the gateway is asked (never inside a transaction); then PaymentRefunded
is recorded and the request marked done.

**Money back, invoices still paid.** A refund leaves the invoices it comes off paid unless
the request says `reopen_invoice` (staff reverse the payment: the customer owes it again);
the choice is kept with the request, so a refund the worker finishes keeps it. The same
request id with another amount or another choice is refused: it is not the same refund.

**Nothing stuck.** When the gateway's answer is unknown (a timeout, a 5xx, a crash of this
process after the gateway refunded), the request stays `requested` and the caller is told
the refund is being finished: `finish_stuck` (the worker's loop, every BILLING_REFUND_RETRY_S)
asks the gateway again with the same key and records what it answers. While a request is
open its amount counts as asked, so the gateway's own refund webhook does not record it a
second time. Only a definite refusal (the gateway said no, the payment cannot be refunded
there) closes the request as failed: nothing was refunded.
"""
from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update

from services.billing.adapters.registry import GatewayNotAvailable
from services.billing.adapters.simulated import SimulationRefused
from services.billing.domain.commands import RefundPayment
from services.billing.domain.payment import Payment
from services.billing.projections.payments import payments
from services.billing.tables import refund_requests
from services.chassis.errors import DomainError, NotFound, Unavailable, retry_on_conflict
from services.chassis.events import utc_now
from services.chassis.sweeps import every

log = logging.getLogger(__name__)

NAMESPACE = uuid.UUID("5f0d7c52-3b0e-4d0e-9a55-1b1f6d2f7a31")    # refund ids from request ids


class RefundRefused(DomainError):
    """The gateway said no: nothing was refunded (its words are the person's to read)."""


class RefundPending(Unavailable):
    """The gateway's answer is not known yet: the refund is kept and finished by the worker."""
    title = "Refund in progress"


def refund_id_for(cmd: RefundPayment) -> str:
    if not cmd.request_id:
        return str(uuid.uuid4())
    return str(uuid.uuid5(NAMESPACE, f"{cmd.org_id}|{cmd.payment_id}|{cmd.request_id}"))


def in_flight(conn, payment_id: str) -> int:
    """What is asked of the gateway for this payment and not recorded yet."""
    c = refund_requests.c
    return int(conn.execute(select(func.coalesce(func.sum(c.amount_minor), 0))      # numeric on PostgreSQL
                            .where(c.payment_id == payment_id, c.status == "requested")).scalar_one())


def refund(rt, cmd: RefundPayment) -> str:
    """Give back part or all of a settled payment; answers the refund id."""
    refund_id = refund_id_for(cmd)
    payment, request = _reserve(rt, cmd, refund_id)
    if request is not None and request.status == "done":
        return refund_id                                    # the same request again: nothing more
    _ask_and_record(rt, payment, refund_id, cmd.amount_minor, cmd.reason, cmd.reopen_invoice, answering=True)
    return refund_id


def _reserve(rt, cmd: RefundPayment, refund_id: str):
    """Check the refund and reserve its amount; answers the payment and the request as it was."""
    with rt.store.unit_of_work() as uow:
        row = uow.conn.execute(select(payments).where(
            payments.c.payment_id == cmd.payment_id, payments.c.org_id == cmd.org_id).with_for_update()).first()
        if row is None:
            raise NotFound("No such payment.")
        payment = uow.load(Payment, cmd.payment_id, cmd.org_id)
        request = uow.conn.execute(select(refund_requests).where(refund_requests.c.refund_id == refund_id)).first()
        if request is not None and request.status in ("done", "requested"):
            if request.amount_minor != cmd.amount_minor:
                raise DomainError("This refund was asked for with another amount.", code="refund_request_reused")
            if request.reopens_invoice != cmd.reopen_invoice:
                raise DomainError("This refund was asked for with the other choice about reopening the invoice.",
                                  code="refund_request_reused")
            return payment, request
        _check(uow.conn, payment, cmd)
        if request is None:
            uow.conn.execute(refund_requests.insert().values(
                refund_id=refund_id, org_id=cmd.org_id, payment_id=payment.id, amount_minor=cmd.amount_minor,
                reason=cmd.reason, status="requested", created_at=utc_now(), reopens_invoice=cmd.reopen_invoice))
        else:                                               # failed before: the gateway said no; ask again
            uow.conn.execute(update(refund_requests).where(refund_requests.c.refund_id == refund_id)
                             .values(status="requested", created_at=utc_now(), reopens_invoice=cmd.reopen_invoice))
        uow.commit()
    return payment, request


def _check(conn, payment: Payment, cmd: RefundPayment) -> None:
    if payment.status not in ("settled", "refunded"):
        raise DomainError("Only a settled payment can be refunded.", code="not_settled")
    if isinstance(cmd.amount_minor, bool) or not isinstance(cmd.amount_minor, int) or cmd.amount_minor <= 0:
        raise DomainError("A refund is a positive whole number of minor units.", field="amount_minor")
    left = payment.refundable_minor - in_flight(conn, payment.id)
    if cmd.amount_minor > left:
        raise DomainError(f"At most {max(left, 0)} can still be refunded.", field="amount_minor")
    if cmd.reason is not None and len(cmd.reason) > 500:
        raise DomainError("The reason is text of at most 500 characters.", field="reason")


def _ask_and_record(rt, payment: Payment, refund_id: str, amount_minor: int, reason: str | None,
                    reopens_invoice: bool, answering: bool) -> bool:
    """Ask the gateway (the same key every time) and record its refund. `answering`: a caller
    waits, so an unknown answer is raised to it; the worker only logs."""
    gateway_refund_id = None
    if payment.gateway != "offline":
        try:
            gateway = rt.ports["gateways"].adapter(payment.org_id, payment.gateway)
            gateway_refund_id = gateway.refund(payment.gateway_reference, amount_minor, payment.currency,
                                               idempotency_key=refund_id)
        except Exception as exc:  # noqa: BLE001 - refused, or no answer: told apart below
            if _definite(exc):
                log.warning("refund %s of payment %s refused at %s: %s", refund_id, payment.id, payment.gateway, exc)
                _close(rt, refund_id, "failed")
                if answering:
                    raise RefundRefused("The payment gateway did not take the refund; nothing was refunded.",
                                        code="refund_refused", payment_id=payment.id) from None
                return False
            log.warning("refund %s of payment %s: no answer from %s yet (%s)", refund_id, payment.id,
                        payment.gateway, exc.__class__.__name__)
            if answering:
                raise RefundPending("The payment gateway did not answer in time. The refund is kept and will be "
                                    "finished automatically; do not refund again.", code="refund_pending",
                                    payment_id=payment.id) from None
            return False

    def run():
        with rt.store.unit_of_work() as uow:
            fresh = uow.load(Payment, payment.id, payment.org_id)
            fresh.refund(refund_id, amount_minor, reason, gateway_refund_id, reopens_invoice)
            uow.conn.execute(update(refund_requests).where(refund_requests.c.refund_id == refund_id)
                             .values(status="done", gateway_refund_id=gateway_refund_id))
            uow.add(fresh)
            uow.commit()
    retry_on_conflict(run)
    return True


def _definite(exc: Exception) -> bool:
    """The gateway said no for sure (nothing was refunded), as opposed to no answer at all."""
    if isinstance(exc, (ValueError, SimulationRefused, GatewayNotAvailable)):
        return True
    return getattr(exc, "retryable", True) is False


def _close(rt, refund_id: str, status: str) -> None:
    with rt.engine.begin() as conn:
        conn.execute(update(refund_requests).where(refund_requests.c.refund_id == refund_id,
                                                   refund_requests.c.status == "requested").values(status=status))


def finish_stuck(rt, older_than_s: float | None = None, now: datetime | None = None) -> int:
    """Finish the refunds asked of a gateway and never recorded (an unknown answer, a crash);
    answers how many were recorded now."""
    age = older_than_s if older_than_s is not None else rt.config.setting_float("REFUND_RETRY_S", 60.0)
    cutoff = ((now or datetime.now(timezone.utc)) - timedelta(seconds=age)).isoformat(timespec="microseconds")
    r = refund_requests.c
    with rt.engine.connect() as conn:
        stuck = conn.execute(select(refund_requests).where(r.status == "requested", r.created_at <= cutoff)
                             .order_by(r.created_at).limit(100)).all()
    finished = 0
    for request in stuck:
        try:
            with rt.store.unit_of_work() as uow:
                payment = uow.load(Payment, request.payment_id, request.org_id)
            finished += _ask_and_record(rt, payment, request.refund_id, int(request.amount_minor), request.reason,
                                        request.reopens_invoice, answering=False)
        except DomainError as exc:       # the payment changed meanwhile (refunded another way): for staff
            log.error("refund %s cannot be recorded: %s", request.refund_id, exc.detail)
            _close(rt, request.refund_id, "failed")
        except Exception:  # noqa: BLE001 - one refund's trouble must not stop the others
            log.exception("could not finish refund %s", request.refund_id)
    return finished


def loop(rt, stop: threading.Event) -> None:
    """The worker's background loop: stuck refunds are finished every BILLING_REFUND_RETRY_S."""
    every(rt.config.setting_float("REFUND_RETRY_S", 60.0), lambda: finish_stuck(rt), stop, "refunds left open finished")
