"""The port every payment gateway adapter implements (adapters/simulated.py, stripe.py,
paypal.py; adapters/registry.py picks one per org), and what flows through it. Pure types, so
the domain owns them and the adapters depend on it. Billing's own code speaks only these types.

A payment is started at the gateway with billing's `payment_id` as the idempotency key,
so a retried start never charges twice. The customer may have to act at the gateway
(`redirect_url`: a hosted checkout or approval page); the outcome arrives later as a
`GatewayUpdate`, from a verified webhook or from the return page, and billing applies it
(handlers/payments.apply_update) idempotently by `event_id` and only forward in the status order
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
    saved_token: str | None = None       # method "saved:...": the gateway's token of the stored method
    gateway_customer: str | None = None  # ... and the gateway's customer it is attached to (Stripe cus_...)


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


@dataclass(frozen=True)
class SetupRequest:
    """Saving a payment method for later (handlers/payment_methods.py): `setup_id` is billing's id of
    the attempt, the gateway idempotency key and our reference there."""
    setup_id: str
    org_id: str
    customer_id: str
    contact_id: str
    kind: str                    # "card" or "bank_account" ("card_declined": the simulated gateway's test card)
    currency: str                # decides the bank debit scheme (Stripe: usd -> us_bank_account, eur -> sepa_debit)
    return_url: str              # where the gateway's hosted setup page sends the contact back
    gateway_customer: str | None = None     # the gateway's customer of this contact, once known
    email: str | None = None


@dataclass(frozen=True)
class SavedMethod:
    """What billing keeps of a saved method: the gateway's token and what a person recognises
    it by. Never a card or account number."""
    token: str                   # Stripe pm_..., simulated sim_pm_...
    kind: str                    # "card" or "bank_account"
    brand: str | None            # "visa", "mastercard" ... or the bank's name
    last4: str
    exp_month: int | None = None
    exp_year: int | None = None


@dataclass(frozen=True)
class SetupAnswer:
    """Where a setup stands: "open" (the contact must act at `redirect_url`), "succeeded"
    (`method` is saved at the gateway) or "failed"."""
    reference: str
    status: str
    redirect_url: str | None = None
    method: SavedMethod | None = None
    gateway_customer: str | None = None
    failure_message: str | None = None


@dataclass(frozen=True)
class SetupUpdate:
    """A verified webhook saying a setup finished (parse_webhook may answer it instead of a
    GatewayUpdate); `setup_id` is billing's id echoed by the gateway (metadata)."""
    event_id: str
    setup_id: str | None
    answer: SetupAnswer


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


class SavesMethods(Protocol):
    """The optional capability of keeping payment methods on file (simulated, Stripe). An
    adapter without it cannot save methods (handlers/payment_methods.py answers 422). Paying with a
    saved method is `start()` with method "saved:<id>", `saved_token` and `gateway_customer`:
    one step, no redirect: it answers settled, pending (a bank debit) or failed."""

    def start_setup(self, request: SetupRequest) -> SetupAnswer:
        """Begin saving (idempotent on request.setup_id): "succeeded" at once, or "open" with
        the hosted page to send the contact to."""

    def read_setup(self, reference: str) -> SetupAnswer:
        """Where a setup stands now (the return page asks; webhooks may be late)."""

    def detach(self, token: str) -> None:
        """Forget the method at the gateway; one that is gone already is not an error."""
