"""The customer back from a gateway's hosted page (its return or cancel URL), as the
portal's return page reports it: billing finishes what is left to do there.

- PayPal (Orders v2) takes the money only when asked: after the buyer approved, the order
  is captured here (adapters/paypal.py capture(), idempotent at PayPal by
  `PayPal-Request-Id: capture-<order id>`) and the result goes through
  payments.apply_update like any webhook. So a second visit of the return page, or the
  PAYMENT.CAPTURE.COMPLETED webhook arriving before it, doubles nothing: the payment only
  moves forward and the capture is the same one.
- A payment that is no longer initiated or pending is never captured: a failed one (the
  buyer cancelled, or it expired) might otherwise take money billing no longer counts.
- Cancel (a POST from the portal or the payment link page, never a GET that anyone holding
  the link could send): the payment is failed ("cancelled"), which frees its invoices for a
  new payment. A gateway that can close its own page first (Stripe's `cancel`: expire the
  Checkout Session) does so, so that the old page cannot take money later. Where the page
  was already closed because the customer paid a moment before (the cancel raced the
  payment), the gateway's real state is applied instead: the payment settles, never
  fails. PayPal takes no money without a capture, which a failed payment never gets.
- Stripe has nothing to capture (its webhooks say everything): the return only finds the
  payment, so that the portal can show its status.
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from services.billing.domain.commands import ReturnFromGateway
from services.billing.domain.payment_gateway import GatewayUpdate
from services.billing.handlers import payments
from services.billing.projections.payments import payments as payment_rows
from services.billing.tables import payment_gateway_refs
from services.chassis.errors import NotFound

log = logging.getLogger(__name__)
RETURNABLE = ("paypal", "stripe")


def come_back(rt, cmd: ReturnFromGateway) -> str:
    """Finish the customer's payment at `cmd.gateway` with this reference (or, from Stripe's
    cancel URL, which names no session, billing's `payment_id`); answers its id. Another
    customer's or org's payment is NotFound, as is an unknown one."""
    org_id, gateway_name = cmd.org_id, cmd.gateway
    row = _payment(rt, org_id, cmd.customer_id, gateway_name, cmd.reference, cmd.payment_id)
    reference = row.reference
    if cmd.cancelled:
        if row.status == "initiated":
            cancel(rt, org_id, gateway_name, reference, row.payment_id)
        return row.payment_id
    if row.status not in ("initiated", "pending"):
        return row.payment_id
    gateway = rt.ports["gateways"].adapter(org_id, gateway_name)
    capture = getattr(gateway, "capture", None)
    if capture is None:
        return row.payment_id
    try:
        update = capture(reference)
    except Exception:  # noqa: BLE001 - PayPal refused or could not be reached: try the return again
        log.exception("capture of %s order %s failed", gateway_name, reference)
        raise payments.GatewayUnavailable("The payment service could not be reached to finish your payment; "
                                          "reload this page in a moment.", payment_id=row.payment_id) from None
    if update is not None:                       # None: not approved (yet): nothing happened
        payments.apply_update(rt, org_id, update, gateway=gateway_name)
    return row.payment_id


def cancel(rt, org_id: str, gateway_name: str, reference: str, payment_id: str) -> None:
    """Close the gateway's checkout (where it can) and fail the payment ("cancelled")."""
    gateway = rt.ports["gateways"].adapter(org_id, gateway_name)
    close = getattr(gateway, "cancel", None)
    if close is not None:
        try:
            real = close(reference)
        except Exception:  # noqa: BLE001 - the page may still be open: leave the payment to the gateway
            log.exception("could not close %s checkout %s", gateway_name, reference)
            return
        if real is not None:               # closed already: paid (or expired) before the cancel
            payments.apply_update(rt, org_id, real, gateway=gateway_name)
            return
    payments.apply_update(rt, org_id, GatewayUpdate(
        event_id=f"{gateway_name}-return:{reference}:cancelled", reference=reference, payment_id=payment_id,
        status="failed", failure_reason="cancelled", failure_message="You cancelled the payment."),
        gateway=gateway_name)


def _payment(rt, org_id: str, customer_id: str, gateway_name: str, reference: str | None,
             payment_id: str | None = None):
    if gateway_name not in RETURNABLE:
        raise NotFound("No such payment.")
    refs, p = payment_gateway_refs.c, payment_rows.c
    which = refs.reference == reference if reference else p.payment_id == payment_id
    with rt.engine.connect() as conn:
        row = conn.execute(select(p.payment_id, p.status, refs.reference).select_from(
            payment_gateway_refs.join(payment_rows, p.payment_id == refs.payment_id))
            .where(refs.org_id == org_id, refs.gateway == gateway_name, which,
                   p.customer_id == customer_id)).first()
    if row is None:
        raise NotFound("No such payment.")
    return row
