"""The built-in simulated gateway: the embedded default and the demos' payment provider.

It behaves towards billing like a real gateway: it keeps its own books (the table
`simulated_gateway_payments` in tables.py, in billing's database only because the embedded
default has no other; billing's code never reads it), answers `start` with a GatewayAnswer, and
reports later changes as GatewayUpdates with their own event ids, either signed webhooks
(`parse_webhook`, HMAC-SHA256 like Stripe's scheme) or, when staff drive an outcome from
the console, straight from `simulate`.

Methods (the "test cards"):
- "card"           settles at once;
- "card_declined"  fails at once with reason "card_declined";
- "bank_debit"     stays pending until staff settle or fail it (`simulate`).

Saved methods (the port's SavesMethods): `start_setup` saves a test method at once, without
leaving the portal, as `sim_pm_...` in its own table `simulated_gateway_methods`: kind
"card" (Visa 4242, settles), "card_declined" (Visa 0002, always declined) or "bank_account"
(6789, a bank debit that stays pending). Paying with one (method "saved:...", the token in
`saved_token`) behaves like the matching method above; a detached one fails.

Like a real gateway, `start` is idempotent on the payment id (the reference is derived from
it) and `refund` on its idempotency key. Never call it inside a database transaction of
billing's: on SQLite it writes in its own transaction, which would wait for billing's.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

from datetime import date

from sqlalchemy import select, update

from services.billing.domain.payment_gateway import (GatewayAnswer, GatewayUpdate, PaymentRequest, SavedMethod,
                                                     SetupAnswer, SetupRequest, WebhookRefused)
from services.billing.tables import simulated_gateway_methods as simulated_methods
from services.billing.tables import simulated_gateway_payments as simulated_payments
from services.chassis.db import upsert_insert
from services.chassis.events import utc_now

NAMESPACE = uuid.UUID("0b7f3c1e-59a4-4b8e-9c55-6a1f0d2e7b31")
OUTCOMES = {"card": "settled", "card_declined": "failed", "bank_debit": "pending"}
FAILURES = {"card_declined": ("card_declined", "The card was declined."),
            "bank_debit": ("debit_returned", "The bank returned the debit.")}
SIGNATURE_HEADER = "Simulated-Signature"
TOLERANCE_S = 300

# kind asked -> (kind stored, how it pays, brand, last4)
TEST_METHODS = {"card": ("card", "card", "visa", "4242"), "card_declined": ("card", "card_declined", "visa", "0002"),
                "bank_account": ("bank_account", "bank_debit", "Test Bank", "6789")}


class SimulationRefused(Exception):
    """The simulated gateway cannot do this (the payment is not pending, an unknown reference)."""


class SimulatedGateway:
    name = "simulated"
    methods = tuple(OUTCOMES)

    def __init__(self, engine, webhook_secret: str = ""):
        self.engine = engine
        self.webhook_secret = webhook_secret

    # --- the port -----------------------------------------------------------------------

    def start(self, request: PaymentRequest) -> GatewayAnswer:
        reference = reference_for(request.payment_id)
        method = request.method
        if method.startswith("saved:"):
            method = self._saved_outcome(request.saved_token)
            if method is None:
                return GatewayAnswer(reference, "failed", failure_reason="payment_method_unavailable",
                                     failure_message="This saved payment method is no longer available.")
        if method not in OUTCOMES:
            return GatewayAnswer(reference, "failed", failure_reason="unsupported_method",
                                 failure_message=f"The simulated gateway has no method {request.method!r}.")
        now = utc_now()
        with self.engine.begin() as conn:
            ins = upsert_insert(conn, simulated_payments)
            conn.execute(ins.values(
                reference=reference, payment_id=request.payment_id, org_id=request.org_id,
                method=method, currency=request.currency, amount_minor=request.amount_minor,
                status=OUTCOMES[method], refunded_minor=0, refunds={}, created_at=now, updated_at=now)
                # no conflict target: a start racing another for the same payment may collide on
                # either unique column (reference, payment_id), and both mean "already started"
                .on_conflict_do_nothing())
            row = conn.execute(select(simulated_payments).where(simulated_payments.c.reference == reference)).first()
        return self._answer(row)

    def parse_webhook(self, body: bytes, headers: dict[str, str]) -> GatewayUpdate | None:
        """A delivery signed by `webhook` with the shared secret (BILLING_SIMULATED_WEBHOOK_SECRET)."""
        if not self.webhook_secret:
            raise WebhookRefused("The simulated gateway's webhook secret is not set.")
        header = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER.lower(), "")
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError:
            raise WebhookRefused("No timestamp in the signature header.") from None
        if abs(time.time() - timestamp) > TOLERANCE_S:
            raise WebhookRefused("The webhook's timestamp is too old or in the future.")
        expected = _sign(self.webhook_secret, timestamp, body)
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            raise WebhookRefused("The webhook's signature does not match.")
        try:
            data = json.loads(body)
            if data.get("status") not in ("pending", "settled", "failed", "refunded"):
                return None
            return GatewayUpdate(event_id=str(data["id"]), reference=str(data["reference"]),
                                 payment_id=data.get("payment_id"), status=data["status"],
                                 amount_minor=data.get("amount_minor"), currency=data.get("currency"),
                                 failure_reason=data.get("failure_reason"),
                                 failure_message=data.get("failure_message"))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise WebhookRefused("The webhook's body is not a simulated gateway event.") from None

    def refund(self, reference: str, amount_minor: int, currency: str, idempotency_key: str) -> str:
        with self.engine.begin() as conn:
            row = conn.execute(select(simulated_payments).where(simulated_payments.c.reference == reference)
                               .with_for_update()).first()
            if row is None:
                raise SimulationRefused(f"No simulated payment {reference}.")
            if idempotency_key in row.refunds:
                return row.refunds[idempotency_key]
            if row.status not in ("settled", "refunded") or currency != row.currency:
                raise SimulationRefused("Only a settled payment can be refunded, in its own currency.")
            if not 0 < amount_minor <= row.amount_minor - row.refunded_minor:
                raise SimulationRefused("That is more than is left to refund.")
            refund_id = "sim_re_" + uuid.uuid5(NAMESPACE, idempotency_key).hex[:24]
            conn.execute(update(simulated_payments).where(simulated_payments.c.reference == reference).values(
                refunded_minor=row.refunded_minor + amount_minor, status="refunded",
                refunds={**row.refunds, idempotency_key: refund_id}, updated_at=utc_now()))
        return refund_id

    # --- saved methods (SavesMethods) ------------------------------------------------------

    def start_setup(self, request: SetupRequest) -> SetupAnswer:
        """Saved at once (idempotent on the setup id): no page to visit."""
        if request.kind not in TEST_METHODS:
            return SetupAnswer(reference="", status="failed", failure_message=f"No test method {request.kind!r}.")
        kind, outcome, brand, last4 = TEST_METHODS[request.kind]
        token = "sim_pm_" + uuid.uuid5(NAMESPACE, "setup:" + request.setup_id).hex[:24]
        expiry = (12, date.today().year + 3) if kind == "card" else (None, None)
        with self.engine.begin() as conn:
            conn.execute(upsert_insert(conn, simulated_methods).values(
                token=token, setup_id=request.setup_id, org_id=request.org_id, kind=kind, outcome=outcome,
                brand=brand, last4=last4, exp_month=expiry[0], exp_year=expiry[1], created_at=utc_now())
                .on_conflict_do_nothing())
        return self.read_setup(token)

    def read_setup(self, reference: str) -> SetupAnswer:
        with self.engine.connect() as conn:
            row = conn.execute(select(simulated_methods).where(simulated_methods.c.token == reference)).first()
        if row is None:
            return SetupAnswer(reference=reference, status="failed", failure_message="No such saved method.")
        return SetupAnswer(reference=row.token, status="succeeded", method=SavedMethod(
            token=row.token, kind=row.kind, brand=row.brand, last4=row.last4, exp_month=row.exp_month,
            exp_year=row.exp_year))

    def detach(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(simulated_methods).where(simulated_methods.c.token == token,
                                                         simulated_methods.c.detached_at.is_(None))
                         .values(detached_at=utc_now()))

    def _saved_outcome(self, token: str | None) -> str | None:
        if not token:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(simulated_methods.c.outcome, simulated_methods.c.detached_at)
                               .where(simulated_methods.c.token == token)).first()
        return row.outcome if row is not None and row.detached_at is None else None

    # --- what the console drives (not part of the port) ---------------------------------

    def simulate(self, reference: str, outcome: str) -> GatewayUpdate:
        """Settle or fail a pending payment; answers the update its webhook would carry."""
        if outcome not in ("settled", "failed"):
            raise SimulationRefused("The outcome is settled or failed.")
        with self.engine.begin() as conn:
            row = conn.execute(select(simulated_payments).where(simulated_payments.c.reference == reference)
                               .with_for_update()).first()
            if row is None:
                raise SimulationRefused(f"No simulated payment {reference}.")
            if row.status != "pending":
                raise SimulationRefused(f"This payment is {row.status} at the gateway, not pending.")
            conn.execute(update(simulated_payments).where(simulated_payments.c.reference == reference)
                         .values(status=outcome, updated_at=utc_now()))
        reason, message = FAILURES["bank_debit"] if outcome == "failed" else (None, None)
        return GatewayUpdate(event_id="simevt_" + uuid.uuid4().hex, reference=reference,
                             payment_id=row.payment_id, status=outcome, amount_minor=row.amount_minor,
                             currency=row.currency, failure_reason=reason, failure_message=message)

    def webhook(self, update_: GatewayUpdate, now: float | None = None) -> tuple[bytes, dict[str, str]]:
        """The signed delivery of an update, as `parse_webhook` reads it (demos and tests)."""
        body = json.dumps({"id": update_.event_id, "reference": update_.reference,
                           "payment_id": update_.payment_id, "status": update_.status,
                           "amount_minor": update_.amount_minor, "currency": update_.currency,
                           "failure_reason": update_.failure_reason,
                           "failure_message": update_.failure_message}).encode()
        timestamp = int(time.time() if now is None else now)
        return body, {SIGNATURE_HEADER: f"t={timestamp},v1={_sign(self.webhook_secret, timestamp, body)}"}

    def _answer(self, row) -> GatewayAnswer:
        status = "settled" if row.status == "refunded" else row.status
        reason, message = FAILURES.get(row.method, (None, None)) if status == "failed" else (None, None)
        return GatewayAnswer(row.reference, status, failure_reason=reason, failure_message=message)


def reference_for(payment_id: str) -> str:
    """The gateway's id of a payment: the same payment id always gives the same one."""
    return "sim_" + uuid.uuid5(NAMESPACE, payment_id).hex[:24]


def _sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
