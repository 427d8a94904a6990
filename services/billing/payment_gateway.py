"""The port every payment gateway adapter implements (adapters/simulated.py, stripe.py,
paypal.py), and what flows through it. Billing's own code speaks only these types.

A payment is started at the gateway with billing's `payment_id` as the idempotency key,
so a retried start never charges twice. The customer may have to act at the gateway
(`redirect_url`: a hosted checkout or approval page); the outcome arrives later as a
`GatewayUpdate`, from a verified webhook or from the return page, and billing applies it
(payments.apply_update) idempotently by `event_id` and only forward in the status order
initiated -> pending -> settled | failed, settled -> refunded: a late or repeated
"processing" never undoes "succeeded"."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

STATUSES = ("initiated", "pending", "settled", "failed", "refunded")


@dataclass(frozen=True)
class PaymentRequest:
    payment_id: str              # billing's id: the gateway idempotency key and our reference there
    org_id: str
    customer_id: str
    amount_minor: int
    currency: str                # ISO 4217, upper case
    method: str                  # "card", "bank_debit", or "saved:<method id>" (a stored method)
    description: str             # "Invoice INV-000123" / "3 invoices"
    return_url: str              # where the gateway sends the customer back (success or cancel)
    email: str | None = None
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class GatewayAnswer:
    """What starting a payment gave: the gateway's reference, where it stands, and where the
    customer goes next (None when nothing is left for them to do)."""
    reference: str
    status: str                  # "initiated" (customer must act), "pending", "settled" or "failed"
    redirect_url: str | None = None
    failure_reason: str | None = None      # short code: "card_declined", "insufficient_funds" ...
    failure_message: str | None = None     # for people


@dataclass(frozen=True)
class GatewayUpdate:
    """A verified change at the gateway. `event_id` is the gateway's own event id (webhook
    redelivery keeps it), so applying the same update twice changes nothing."""
    event_id: str
    reference: str               # the gateway's payment reference (GatewayAnswer.reference)
    payment_id: str | None       # billing's id when the gateway echoes it (metadata), else None
    status: str                  # "pending", "settled", "failed" or "refunded"
    amount_minor: int | None = None
    currency: str | None = None
    failure_reason: str | None = None
    failure_message: str | None = None


class WebhookRefused(Exception):
    """A webhook whose signature, timestamp or body does not check out: answered 400, never applied."""


class PaymentGateway(Protocol):
    name: str                    # "simulated", "stripe", "paypal"

    def start(self, request: PaymentRequest) -> GatewayAnswer:
        """Create the payment at the gateway (idempotent on request.payment_id)."""

    def parse_webhook(self, body: bytes, headers: dict[str, str]) -> GatewayUpdate | None:
        """Verify (the SDK's own check) and read a webhook; None for an event type billing
        does not act on (answered 200, so the gateway stops retrying); WebhookRefused for a
        forged, stale or malformed one."""

    def refund(self, reference: str, amount_minor: int, currency: str, idempotency_key: str) -> str:
        """Refund part or all of a settled payment; answers the gateway's refund id."""
