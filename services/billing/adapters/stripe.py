"""Stripe, through the official SDK (stripe==16.1.0) and Stripe Checkout: the customer pays on
Stripe's hosted page, so card data never touches the portal.

- start(): a Checkout Session (mode=payment, one line of `amount_minor` in the lower-case
  currency), created with `Idempotency-Key: <payment_id>` so a retried start answers the same
  session. billing's ids travel as `metadata` on the session and on its PaymentIntent
  (`payment_intent_data[metadata]`), and as `client_reference_id`.
- The reference is the Checkout Session id (`cs_...`), everywhere: it is the only id that
  exists when start() answers (Stripe makes the PaymentIntent when the customer submits the
  page). PaymentIntent and Charge events are traced back to their session with the documented
  `GET /v1/checkout/sessions?payment_intent=pi_...`; an event of a PaymentIntent that no
  session of ours made is not ours and is ignored.
- parse_webhook(): `StripeClient.construct_event` checks the `Stripe-Signature` header over the
  raw body (HMAC-SHA256, endpoint secret) and refuses a timestamp older than the tolerance
  (300 s, Stripe's default; a tolerance of 0 would switch the check off, so it is refused).
- Status mapping (see README.md beside this file): a session completed and paid, an async
  payment succeeded, a PaymentIntent succeeded -> settled; a session completed unpaid (a bank
  debit on its way) or a PaymentIntent processing -> pending; an async payment failed, a session
  expired -> failed; a PaymentIntent failed or canceled -> failed only once its session is no
  longer open (on the hosted page a declined card can be retried with another one, so the
  decline alone ends nothing); a charge refunded -> refunded, with the total refunded so far.

Saved methods (handlers/payment_methods.py; README.md "Saved methods"): one Stripe Customer per contact
(`create_customer`), a Checkout Session in mode=setup to save a card or bank account on
Stripe's page (`start_setup`; finished by `checkout.session.completed` in setup mode or by
`read_setup` on the return), `detach` on removal, and paying with a saved method as an
off-session PaymentIntent (customer + payment_method, off_session, confirm; the idempotency key
is billing's payment id): its reference is the PaymentIntent id (`pi_...`).

Configured by StripeSettings, handed in by adapters/registry.py (which reads STRIPE_SECRET_KEY,
STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE, ... and picks the org's own account or the deployment's).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import stripe

from services.billing.domain import money
from services.billing.domain.payment_gateway import (GatewayAnswer, GatewayUpdate, PaymentRequest, SavedMethod,
                                                     SetupAnswer, SetupRequest, SetupUpdate, WebhookRefused)

log = logging.getLogger(__name__)

# Stripe's API amounts are in "the smallest currency unit" as Stripe counts it, which is ISO
# 4217's minor unit except for these (docs.stripe.com/currencies).
_STRIPE_ZERO = set("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
_STRIPE_THREE = set("BHD JOD KWD OMR TND".split())
_STRIPE_TWO_BUT_WHOLE = {"ISK"}          # two decimals in the API, amounts in whole units (x100)
_BANK_DEBIT = {"usd": "us_bank_account", "eur": "sepa_debit", "gbp": "bacs_debit",
               "cad": "acss_debit", "aud": "au_becs_debit"}
_METADATA_KEYS = 50


class StripeGatewayError(RuntimeError):
    """Stripe refused the call or could not be reached. `retryable`: the same call with the
    same idempotency key may be tried again later (network trouble, 429, 5xx)."""

    def __init__(self, message: str, *, retryable: bool, code: str | None = None):
        super().__init__(message)
        self.retryable, self.code = retryable, code


@dataclass(frozen=True)
class StripeSettings:
    secret_key: str
    webhook_secret: str
    api_base: str | None = None          # None: Stripe itself; a URL: the stand-in (tests, make up)
    webhook_tolerance_s: int = 300
    timeout_s: float = 20.0
    max_network_retries: int = 2         # the SDK retries with the same idempotency key
    session_ttl_s: int | None = None     # Checkout's own default (24 h) when None; 30 min .. 24 h

    def __post_init__(self):
        if not self.secret_key or not self.webhook_secret:
            raise ValueError("Stripe needs a secret key and a webhook signing secret.")
        if self.webhook_tolerance_s <= 0:
            raise ValueError("The webhook tolerance must be positive: 0 would accept replayed webhooks.")



def to_stripe_amount(amount_minor: int, currency: str) -> int:
    """ISO 4217 minor units -> Stripe's unit for the currency; refuses what Stripe cannot take."""
    iso = money.exponent(currency)
    if currency in _STRIPE_ZERO:
        stripe_digits = 0
    elif currency in _STRIPE_THREE:
        if amount_minor % 10:
            raise ValueError(f"Stripe takes {currency} amounts in steps of 10 (the last digit must be 0).")
        stripe_digits = 3
    else:
        stripe_digits = 2
    if currency in _STRIPE_TWO_BUT_WHOLE:
        return amount_minor * 100
    if stripe_digits >= iso:
        return amount_minor * 10 ** (stripe_digits - iso)
    step = 10 ** (iso - stripe_digits)
    if amount_minor % step:
        raise ValueError(f"Stripe takes {currency} in whole units only.")
    return amount_minor // step


def from_stripe_amount(amount: int | None, currency: str | None) -> int | None:
    if amount is None or not currency:
        return None
    currency = currency.upper()
    try:
        iso = money.exponent(currency)
    except Exception:  # noqa: BLE001 - an unknown currency: pass the amount through
        return amount
    if currency in _STRIPE_TWO_BUT_WHOLE:
        return amount // 100
    stripe_digits = 0 if currency in _STRIPE_ZERO else 3 if currency in _STRIPE_THREE else 2
    if stripe_digits >= iso:
        return amount // 10 ** (stripe_digits - iso)
    return amount * 10 ** (iso - stripe_digits)


def _add_query(url: str, query: str) -> str:
    """Append raw `k=v` pairs (kept as written: Stripe fills in {CHECKOUT_SESSION_ID})."""
    parts = urlsplit(url)
    joined = f"{parts.query}&{query}" if parts.query else query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, joined, parts.fragment))


def _header(headers, name: str) -> str | None:
    wanted = name.lower()
    for key, value in (headers or {}).items():
        if key.lower() == wanted:
            return value
    return None


def saved_method(method: dict) -> SavedMethod:
    """What billing keeps of a Stripe PaymentMethod: its id, kind, brand, last 4 and expiry."""
    type_ = method.get("type") or "card"
    details = method.get(type_) or {}
    return SavedMethod(token=method["id"], kind="card" if type_ == "card" else "bank_account",
                       brand=details.get("brand") or details.get("bank_name") or type_.replace("_", " "),
                       last4=str(details.get("last4") or "????"), exp_month=details.get("exp_month"),
                       exp_year=details.get("exp_year"))


class StripeGateway:
    name = "stripe"
    methods = ("card", "bank_debit")

    def __init__(self, settings: StripeSettings, client: stripe.StripeClient | None = None):
        self.settings = settings
        self.client = client or stripe.StripeClient(
            settings.secret_key,
            base_addresses={"api": settings.api_base} if settings.api_base else None,
            max_network_retries=settings.max_network_retries,
            http_client=stripe.RequestsClient(timeout=settings.timeout_s),
        )

    # --- start ------------------------------------------------------------------------

    def start(self, request: PaymentRequest) -> GatewayAnswer:
        currency = request.currency.lower()
        if request.method.startswith("saved:"):
            return self._pay_saved(request)
        if request.method == "card":
            methods = ["card"]
        elif request.method == "bank_debit":
            if currency not in _BANK_DEBIT:
                raise ValueError(f"Stripe has no bank debit for {request.currency} in this adapter.")
            methods = [_BANK_DEBIT[currency]]
        else:
            raise ValueError(f"The Stripe Checkout adapter does not pay with {request.method!r} "
                             "(saved methods need an off-session PaymentIntent: not built yet).")
        if request.amount_minor <= 0:
            raise ValueError("A payment needs a positive amount.")
        metadata = self._metadata(request)
        params = {
            "mode": "payment",
            "line_items": [{"quantity": 1, "price_data": {
                "currency": currency, "unit_amount": to_stripe_amount(request.amount_minor, request.currency),
                "product_data": {"name": request.description[:250] or "Payment"}}}],
            "payment_method_types": methods,
            "success_url": _add_query(request.return_url, "checkout=success&session_id={CHECKOUT_SESSION_ID}"),
            # Stripe's cancel URL names no session: billing's payment id says which one to fail.
            "cancel_url": _add_query(request.return_url, f"checkout=cancel&payment={request.payment_id}"),
            "client_reference_id": request.payment_id,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata, "description": request.description[:1000]},
        }
        if request.email:
            params["customer_email"] = request.email
        if self.settings.session_ttl_s:
            params["expires_at"] = int(time.time()) + self.settings.session_ttl_s
        session = self._call(self.client.v1.checkout.sessions.create, params=params,
                             options={"idempotency_key": request.payment_id})
        return GatewayAnswer(reference=session["id"], status="initiated", redirect_url=session["url"])

    @staticmethod
    def _metadata(request: PaymentRequest) -> dict:
        ours = {"payment_id": request.payment_id, "org_id": request.org_id, "customer_id": request.customer_id}
        extra = {str(k)[:40]: str(v)[:500] for k, v in (request.metadata or {}).items() if k not in ours}
        return dict(list(extra.items())[:_METADATA_KEYS - len(ours)]) | ours

    def cancel(self, reference: str) -> GatewayUpdate | None:
        """Expire an open Checkout Session (the customer left it, or a new payment replaces it):
        nobody can pay it any more, and Stripe sends checkout.session.expired. None once it is
        closed. A session that is no longer open was paid or expired a moment before the cancel
        arrived: its real state comes back as an update to apply instead, so a customer who
        paid is never recorded as having cancelled."""
        try:
            self.client.v1.checkout.sessions.expire(reference)
            return None
        except stripe.InvalidRequestError as exc:
            log.info("stripe session %s not expired: %s", reference, exc.user_message or exc)
        except stripe.StripeError as exc:
            raise self._error(exc) from exc
        session = self._call(self.client.v1.checkout.sessions.retrieve, reference).to_dict()
        state = f"stripe-session:{session['id']}:{session.get('status')}:{session.get('payment_status')}"
        if session.get("status") == "complete":
            return self._on_session_completed(state, session)
        if session.get("status") == "expired":
            return self._on_session_expired(state, session)
        raise StripeGatewayError("stripe: the checkout could not be closed; try again.", retryable=True)

    # --- webhooks ---------------------------------------------------------------------

    def parse_webhook(self, body: bytes, headers: dict[str, str]) -> GatewayUpdate | None:
        try:
            event = self.client.construct_event(body, _header(headers, "Stripe-Signature"),
                                                self.settings.webhook_secret,
                                                tolerance=self.settings.webhook_tolerance_s)
        except stripe.SignatureVerificationError as exc:
            raise WebhookRefused(f"stripe signature: {exc.user_message or exc}") from None
        except (ValueError, UnicodeDecodeError) as exc:     # signed, but not JSON
            raise WebhookRefused(f"stripe body: {exc}") from None
        data = event.to_dict()
        obj = (data.get("data") or {}).get("object")
        if not data.get("id") or not isinstance(data.get("type"), str) or not isinstance(obj, dict):
            raise WebhookRefused("stripe body: not an event")
        handler = self._HANDLERS.get(data["type"])
        return handler(self, data["id"], obj) if handler else None

    def _session_update(self, event_id, session, status, failure_reason=None, failure_message=None):
        meta = session.get("metadata") or {}
        return GatewayUpdate(
            event_id=event_id, reference=session["id"],
            payment_id=meta.get("payment_id") or session.get("client_reference_id"), status=status,
            amount_minor=from_stripe_amount(session.get("amount_total"), session.get("currency")),
            currency=(session.get("currency") or "").upper() or None,
            failure_reason=failure_reason, failure_message=failure_message)

    def _on_session_completed(self, event_id, session):
        if session.get("mode") == "setup":
            return SetupUpdate(event_id, (session.get("metadata") or {}).get("setup_id"), self._setup_answer(session))
        paid = session.get("payment_status") in ("paid", "no_payment_required")
        return self._session_update(event_id, session, "settled" if paid else "pending")

    def _on_async_succeeded(self, event_id, session):
        return self._session_update(event_id, session, "settled")

    def _on_async_failed(self, event_id, session):
        reason, message = "async_payment_failed", "The payment could not be collected."
        intent_id = session.get("payment_intent")
        if intent_id:
            try:   # the reason lives on the PaymentIntent; best effort, the status is known already
                error = self.client.v1.payment_intents.retrieve(intent_id).to_dict().get("last_payment_error") or {}
                reason = error.get("decline_code") or error.get("code") or reason
                message = error.get("message") or message
            except stripe.StripeError as exc:
                log.warning("stripe: reason of failed payment %s not read: %s", intent_id, exc)
        return self._session_update(event_id, session, "failed", reason, message)

    def _on_session_expired(self, event_id, session):
        if session.get("mode") == "setup":
            return SetupUpdate(event_id, (session.get("metadata") or {}).get("setup_id"), self._setup_answer(session))
        return self._session_update(event_id, session, "failed", "expired",
                                    "The checkout expired before the customer paid.")

    def _session_of(self, intent_id: str | None) -> dict | None:
        if not intent_id:
            return None
        found = self._call(self.client.v1.checkout.sessions.list,
                           params={"payment_intent": intent_id, "limit": 1})
        sessions = found.to_dict().get("data") or []
        return sessions[0] if sessions else None

    def _intent_update(self, event_id, intent, status, failure_reason=None, failure_message=None,
                       amount_minor=None, only_when_closed=False):
        session = self._session_of(intent.get("id") if intent.get("object") == "payment_intent"
                                   else intent.get("payment_intent"))
        if session is None:
            return self._off_session_update(event_id, intent, status, failure_reason, failure_message, amount_minor)
        if only_when_closed and session.get("status") == "open":
            return None          # the customer is still on the hosted page and may try another card
        meta = intent.get("metadata") or session.get("metadata") or {}
        currency = intent.get("currency")
        return GatewayUpdate(
            event_id=event_id, reference=session["id"],
            payment_id=meta.get("payment_id") or session.get("client_reference_id"), status=status,
            amount_minor=(amount_minor if amount_minor is not None
                          else from_stripe_amount(intent.get("amount"), currency)),
            currency=(currency or "").upper() or None,
            failure_reason=failure_reason, failure_message=failure_message)

    def _on_intent_succeeded(self, event_id, intent):
        return self._intent_update(event_id, intent, "settled")

    def _on_intent_processing(self, event_id, intent):
        return self._intent_update(event_id, intent, "pending")

    def _on_intent_failed(self, event_id, intent):
        error = intent.get("last_payment_error") or {}
        return self._intent_update(event_id, intent, "failed",
                                   error.get("decline_code") or error.get("code") or "payment_failed",
                                   error.get("message") or "The payment failed.", only_when_closed=True)

    def _on_intent_canceled(self, event_id, intent):
        return self._intent_update(event_id, intent, "failed", intent.get("cancellation_reason") or "canceled",
                                   "The payment was canceled.", only_when_closed=True)

    def _on_charge_refunded(self, event_id, charge):
        refunded = from_stripe_amount(charge.get("amount_refunded"), charge.get("currency"))
        return self._intent_update(event_id, charge, "refunded", amount_minor=refunded)

    _HANDLERS = {
        "checkout.session.completed": _on_session_completed,
        "checkout.session.async_payment_succeeded": _on_async_succeeded,
        "checkout.session.async_payment_failed": _on_async_failed,
        "checkout.session.expired": _on_session_expired,
        "payment_intent.succeeded": _on_intent_succeeded,
        "payment_intent.processing": _on_intent_processing,
        "payment_intent.payment_failed": _on_intent_failed,
        "payment_intent.canceled": _on_intent_canceled,
        "charge.refunded": _on_charge_refunded,
    }

    # --- saved methods ------------------------------------------------------------------

    def create_customer(self, org_id: str, customer_id: str, contact_id: str, email: str | None) -> str:
        """The Stripe Customer that holds one contact's saved methods."""
        params = {"metadata": {"org_id": org_id, "customer_id": customer_id, "contact_id": contact_id}}
        if email:
            params["email"] = email
        key = f"customer:{org_id}:{customer_id}:{contact_id}"[:255]
        return self._call(self.client.v1.customers.create, params=params, options={"idempotency_key": key})["id"]

    def start_setup(self, request: SetupRequest) -> SetupAnswer:
        currency = request.currency.lower()
        if request.kind == "card":
            types = ["card"]
        elif request.kind == "bank_account" and currency in _BANK_DEBIT:
            types = [_BANK_DEBIT[currency]]
        else:
            raise ValueError(f"Stripe cannot save a {request.kind} in {request.currency} in this adapter.")
        meta = {"setup_id": request.setup_id, "org_id": request.org_id, "customer_id": request.customer_id,
                "contact_id": request.contact_id}
        back = f"setup={request.setup_id}"
        params = {"mode": "setup", "customer": request.gateway_customer, "currency": currency,
                  "payment_method_types": types, "client_reference_id": request.setup_id, "metadata": meta,
                  "setup_intent_data": {"metadata": meta},
                  "success_url": _add_query(request.return_url, back + "&checkout=success"),
                  "cancel_url": _add_query(request.return_url, back + "&checkout=cancel")}
        session = self._call(self.client.v1.checkout.sessions.create, params=params,
                             options={"idempotency_key": "setup:" + request.setup_id})
        return SetupAnswer(reference=session["id"], status="open", redirect_url=session["url"],
                           gateway_customer=request.gateway_customer)

    def read_setup(self, reference: str) -> SetupAnswer:
        return self._setup_answer(self._call(self.client.v1.checkout.sessions.retrieve, reference).to_dict())

    def _setup_answer(self, session: dict) -> SetupAnswer:
        """A setup-mode session as a SetupAnswer: its SetupIntent's payment method once complete."""
        status = session.get("status")
        if status == "expired":
            return SetupAnswer(session["id"], "failed", failure_message="The setup page expired.")
        intent_id = session.get("setup_intent")
        if status != "complete" or not intent_id:
            return SetupAnswer(session["id"], "open", redirect_url=session.get("url"))
        intent = self._call(self.client.v1.setup_intents.retrieve, intent_id).to_dict()
        if intent.get("status") != "succeeded" or not intent.get("payment_method"):
            return SetupAnswer(session["id"], "failed", failure_message="The payment method was not saved.")
        method = self._call(self.client.v1.payment_methods.retrieve, intent["payment_method"]).to_dict()
        return SetupAnswer(session["id"], "succeeded", method=saved_method(method),
                           gateway_customer=method.get("customer") or session.get("customer"))

    def detach(self, token: str) -> None:
        try:
            self.client.v1.payment_methods.detach(token)
        except stripe.InvalidRequestError as exc:      # detached or gone already: what we wanted
            log.info("stripe payment method %s not detached: %s", token, exc.user_message or exc)
        except stripe.StripeError as exc:
            raise self._error(exc) from exc

    def _pay_saved(self, request: PaymentRequest) -> GatewayAnswer:
        """One step, off-session: settled, pending (a bank debit) or failed; never a redirect."""
        if not request.saved_token or not request.gateway_customer:
            raise ValueError("A saved method needs its token and its Stripe customer.")
        metadata = self._metadata(request) | {"saved_method": request.method[len("saved:"):][:100]}
        params = {"amount": to_stripe_amount(request.amount_minor, request.currency),
                  "currency": request.currency.lower(), "customer": request.gateway_customer,
                  "payment_method": request.saved_token, "off_session": True, "confirm": True,
                  "metadata": metadata, "description": request.description[:1000]}
        try:
            intent = self.client.v1.payment_intents.create(params=params,
                                                           options={"idempotency_key": request.payment_id})
        except stripe.CardError as exc:
            found = getattr(exc.error, "payment_intent", None)
            reference = (found["id"] if found is not None else None) or f"declined:{request.payment_id}"
            reason = getattr(exc.error, "decline_code", None) or exc.code or "card_declined"
            return GatewayAnswer(reference, "failed", failure_reason=reason,
                                 failure_message=exc.user_message or "The card was declined.")
        except stripe.StripeError as exc:
            raise self._error(exc) from exc
        status = intent["status"]
        if status == "succeeded":
            return GatewayAnswer(intent["id"], "settled")
        if status == "processing":
            return GatewayAnswer(intent["id"], "pending")
        if status == "requires_action":
            return GatewayAnswer(intent["id"], "failed", failure_reason="authentication_required",
                                 failure_message="Your bank wants you to confirm this payment, which a saved method "
                                                 "cannot do. Please pay with your card on the payment page.")
        error = intent.get("last_payment_error") or {}
        return GatewayAnswer(intent["id"], "failed", failure_reason=error.get("code") or "payment_failed",
                             failure_message=error.get("message") or "The payment failed.")

    def _off_session_update(self, event_id, obj, status, failure_reason, failure_message, amount_minor):
        """An event of a PaymentIntent no Checkout Session made: ours when it paid with a saved
        method (metadata `saved_method`), its reference then being the PaymentIntent id."""
        intent = obj
        if obj.get("object") != "payment_intent":
            if not obj.get("payment_intent"):
                return None
            intent = self._call(self.client.v1.payment_intents.retrieve, obj["payment_intent"]).to_dict()
        meta = intent.get("metadata") or {}
        if not meta.get("saved_method") or not meta.get("payment_id"):
            log.info("stripe event %s: no payment of ours for it; ignored", event_id)
            return None
        currency = intent.get("currency")
        return GatewayUpdate(
            event_id=event_id, reference=intent["id"], payment_id=meta["payment_id"], status=status,
            amount_minor=(amount_minor if amount_minor is not None
                          else from_stripe_amount(intent.get("amount"), currency)),
            currency=(currency or "").upper() or None, failure_reason=failure_reason, failure_message=failure_message)

    # --- refunds ----------------------------------------------------------------------

    def refund(self, reference: str, amount_minor: int, currency: str, idempotency_key: str) -> str:
        if amount_minor <= 0:
            raise ValueError("A refund needs a positive amount.")
        intent_id = reference
        if reference.startswith("cs_"):
            session = self._call(self.client.v1.checkout.sessions.retrieve, reference).to_dict()
            if (session.get("currency") or "").lower() != currency.lower():
                raise ValueError(f"The payment is in {session.get('currency')}, not {currency}.")
            intent_id = session.get("payment_intent")
            if not intent_id or session.get("payment_status") != "paid":
                raise StripeGatewayError("This checkout has no settled payment to refund.",
                                         retryable=False, code="not_paid")
        refund = self._call(self.client.v1.refunds.create,
                            params={"payment_intent": intent_id,
                                    "amount": to_stripe_amount(amount_minor, currency.upper()),
                                    "metadata": {"refund_key": idempotency_key}},
                            options={"idempotency_key": idempotency_key})
        return refund["id"]

    # --- errors -----------------------------------------------------------------------

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except stripe.StripeError as exc:
            raise self._error(exc) from exc

    @staticmethod
    def _error(exc: stripe.StripeError) -> StripeGatewayError:
        retryable = isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)) or \
            (exc.http_status or 0) >= 500 or (exc.http_status == 409)
        return StripeGatewayError(f"stripe: {exc.user_message or exc}", retryable=retryable, code=exc.code)
