"""PayPal, through its documented REST API (Orders v2, Payments v2, Webhooks v1) over `requests`:
PayPal keeps no maintained Python SDK for these.

- OAuth2 client credentials (`POST /v1/oauth2/token`), the bearer token cached until a minute
  before it runs out; a 401 fetches a new one once.
- start(): `POST /v2/checkout/orders` (intent CAPTURE, one purchase unit: amount, `custom_id` and
  `invoice_id` = billing's payment_id) with `PayPal-Request-Id: <payment_id>`, so a retried start
  answers the same order; the buyer goes to the `payer-action` (or `approve`) link.
- capture(): after the buyer approved and came back (`return_url?token=<order id>&PayerID=...`),
  `POST /v2/checkout/orders/{id}/capture` with `PayPal-Request-Id: capture-<order id>`; a second
  call (page reloaded) answers the same capture.
- The reference is the PayPal order id, everywhere: it exists when start() answers; capture
  webhooks carry it (`supplementary_data.related_ids.order_id`), refund webhooks lead to it
  through their capture.
- parse_webhook(): the PAYPAL-TRANSMISSION-* headers are checked by PayPal's documented
  `POST /v1/notifications/verify-webhook-signature`, with the body passed on byte for byte (a
  re-serialised body would change its CRC32 and fail); a transmission older than the tolerance
  (300 s) is refused here before asking PayPal, so a captured delivery cannot be replayed later.
- Status: PAYMENT.CAPTURE.COMPLETED -> settled, .PENDING -> pending (an eCheck), .DENIED and
  .DECLINED -> failed, .REFUNDED -> refunded (total refunded so far); anything else -> None.

Configured by PayPalSettings, handed in by adapters/registry.py (which reads PAYPAL_CLIENT_ID,
PAYPAL_CLIENT_SECRET, PAYPAL_WEBHOOK_ID, PAYPAL_API_BASE and picks the org's own app or the deployment's).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import random
import threading
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import requests

from services.billing.domain import money
from services.billing.domain.payment_gateway import (GatewayAnswer, GatewayUpdate, PaymentRequest,
                                                     WebhookRefused)

log = logging.getLogger(__name__)

SANDBOX = "https://api-m.sandbox.paypal.com"
_NO_DECIMALS = {"HUF", "JPY", "TWD"}           # PayPal takes these in whole units
_TOKEN_MARGIN_S = 60
_SIGNATURE_HEADERS = ("paypal-transmission-id", "paypal-transmission-time", "paypal-transmission-sig",
                      "paypal-cert-url", "paypal-auth-algo")
_CAPTURE_STATUS = {"COMPLETED": "settled", "PENDING": "pending", "DECLINED": "failed", "FAILED": "failed",
                   "REFUNDED": "settled", "PARTIALLY_REFUNDED": "settled"}   # refunds arrive on their own


class PayPalGatewayError(RuntimeError):
    """PayPal refused the call or could not be reached. `retryable`: the same call with the same
    PayPal-Request-Id may be tried again later."""

    def __init__(self, message: str, *, retryable: bool, issue: str | None = None, status: int | None = None):
        super().__init__(message)
        self.retryable, self.issue, self.status = retryable, issue, status


@dataclass(frozen=True)
class PayPalSettings:
    client_id: str
    client_secret: str
    webhook_id: str
    api_base: str = SANDBOX                  # production sets https://api-m.paypal.com; tests the stand-in
    webhook_tolerance_s: int = 300
    timeout_s: float = 20.0
    max_retries: int = 2                     # network errors, 429 and 5xx, same PayPal-Request-Id
    brand_name: str | None = None

    def __post_init__(self):
        if not (self.client_id and self.client_secret and self.webhook_id):
            raise ValueError("PayPal needs a client id, a client secret and the webhook id.")
        if self.webhook_tolerance_s <= 0:
            raise ValueError("The webhook tolerance must be positive.")



def to_paypal_value(amount_minor: int, currency: str) -> str:
    """12345 EUR -> "123.45"; 500 JPY -> "500"; HUF and TWD (two ISO digits) in whole units."""
    digits = money.exponent(currency)
    if currency in _NO_DECIMALS and digits:
        step = 10 ** digits
        if amount_minor % step:
            raise ValueError(f"PayPal takes {currency} in whole units only.")
        amount_minor, digits = amount_minor // step, 0
    whole, part = divmod(amount_minor, 10 ** digits)
    return f"{whole}.{part:0{digits}d}" if digits else str(whole)


def from_paypal_value(value, currency: str | None) -> int | None:
    if value is None or not currency:
        return None
    try:
        minor = Decimal(str(value)) * 10 ** money.exponent(currency)
    except (InvalidOperation, Exception):  # noqa: BLE001 - unknown currency or odd value: not ours to judge
        return None
    return int(minor) if minor == minor.to_integral_value() else None


def _lower(headers) -> dict:
    return {str(k).lower(): v for k, v in (headers or {}).items()}


def _link(resource: dict, rel: str) -> str | None:
    return next((link.get("href") for link in resource.get("links") or [] if link.get("rel") == rel), None)


class PayPalGateway:
    name = "paypal"
    methods = ("card", "bank_debit")       # the buyer picks card, balance or bank on PayPal's page

    def verify_credentials(self) -> None:
        """Ask PayPal for a fresh access token: PayPalGatewayError when the credentials are refused."""
        self._access_token(renew=True)

    def __init__(self, settings: PayPalSettings, session: requests.Session | None = None):
        self.settings = settings
        self.base = settings.api_base.rstrip("/")
        self.http = session or requests.Session()
        self._token: tuple[str, float] | None = None       # (token, monotonic expiry)
        self._token_lock = threading.Lock()

    # --- HTTP -------------------------------------------------------------------------

    def _access_token(self, renew: bool = False) -> str:
        with self._token_lock:
            if not renew and self._token and self._token[1] > time.monotonic():
                return self._token[0]
            try:
                answer = self.http.post(f"{self.base}/v1/oauth2/token", data={"grant_type": "client_credentials"},
                                        auth=(self.settings.client_id, self.settings.client_secret),
                                        headers={"Accept": "application/json"}, timeout=self.settings.timeout_s)
            except requests.RequestException as exc:
                raise PayPalGatewayError(f"paypal: token: {exc}", retryable=True) from exc
            if answer.status_code != 200:
                raise PayPalGatewayError(f"paypal: token refused ({answer.status_code})",
                                         retryable=answer.status_code >= 500, status=answer.status_code)
            body = answer.json()
            lifetime = max(int(body.get("expires_in", 0)) - _TOKEN_MARGIN_S, 0)
            self._token = (body["access_token"], time.monotonic() + lifetime)
            return self._token[0]

    def _call(self, method: str, path: str, *, body=None, raw: bytes | None = None,
              request_id: str | None = None) -> tuple[int, dict]:
        """One API call: bearer token (renewed once on 401), retries of network errors, 429 and
        5xx with backoff when the call is safe to repeat (GET, or a POST with a PayPal-Request-Id)."""
        headers = {"Accept": "application/json", "Content-Type": "application/json",
                   "Prefer": "return=representation"}
        if request_id:
            headers["PayPal-Request-Id"] = request_id
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        repeatable = method == "GET" or bool(request_id)
        renewed = False
        attempt = 0
        while True:
            headers["Authorization"] = f"Bearer {self._access_token()}"
            try:
                answer = self.http.request(method, f"{self.base}{path}", data=data, headers=headers,
                                           timeout=self.settings.timeout_s)
            except requests.RequestException as exc:
                if repeatable and attempt < self.settings.max_retries:
                    attempt += 1
                    self._backoff(attempt)
                    continue
                raise PayPalGatewayError(f"paypal: {method} {path}: {exc}", retryable=repeatable) from exc
            if answer.status_code == 401 and not renewed:
                renewed = True
                self._access_token(renew=True)
                continue
            if (answer.status_code == 429 or answer.status_code >= 500) and repeatable \
                    and attempt < self.settings.max_retries:
                attempt += 1
                self._backoff(attempt)
                continue
            try:
                parsed = answer.json() if answer.content else {}
            except ValueError:
                parsed = {}
            return answer.status_code, parsed if isinstance(parsed, dict) else {}

    @staticmethod
    def _backoff(attempt: int) -> None:
        time.sleep(min(0.2 * 2 ** attempt, 2.0) * (0.5 + random.random() / 2))

    @staticmethod
    def _issue(body: dict) -> str | None:
        details = body.get("details") or []
        return (details[0].get("issue") if details and isinstance(details[0], dict) else None) or body.get("name")

    def _fail(self, what: str, status: int, body: dict) -> PayPalGatewayError:
        issue = self._issue(body)
        return PayPalGatewayError(f"paypal: {what}: {status} {issue or ''}".strip(),
                                  retryable=status == 429 or status >= 500, issue=issue, status=status)

    # --- start and capture --------------------------------------------------------------

    def start(self, request: PaymentRequest) -> GatewayAnswer:
        if request.method not in ("card", "bank_debit"):
            raise ValueError(f"The PayPal adapter does not pay with {request.method!r} (no vaulting yet).")
        if request.amount_minor <= 0:
            raise ValueError("A payment needs a positive amount.")
        sep = "&" if "?" in request.return_url else "?"
        context = {"return_url": f"{request.return_url}{sep}checkout=success",
                   "cancel_url": f"{request.return_url}{sep}checkout=cancel",
                   "user_action": "PAY_NOW", "shipping_preference": "NO_SHIPPING"}
        if self.settings.brand_name:
            context["brand_name"] = self.settings.brand_name[:127]
        order = {
            "intent": "CAPTURE",
            "purchase_units": [{
                "reference_id": request.payment_id[:256],
                "custom_id": request.payment_id[:127],
                "invoice_id": request.payment_id[:127],
                "description": request.description[:127],
                "amount": {"currency_code": request.currency,
                           "value": to_paypal_value(request.amount_minor, request.currency)},
            }],
            "payment_source": {"paypal": {"experience_context": context}},
        }
        if request.email:
            order["payment_source"]["paypal"]["email_address"] = request.email
        status, body = self._call("POST", "/v2/checkout/orders", body=order, request_id=request.payment_id)
        if status not in (200, 201):
            raise self._fail("create order", status, body)
        url = _link(body, "payer-action") or _link(body, "approve")
        return GatewayAnswer(reference=body["id"], status="initiated", redirect_url=url)

    def capture(self, reference: str) -> GatewayUpdate | None:
        """Take the money once the buyer approved (the return page calls this). None when the
        buyer has not approved (came back through cancel, or too early): nothing changed."""
        status, body = self._call("POST", f"/v2/checkout/orders/{reference}/capture",
                                  request_id=f"capture-{reference}"[:108])
        if status in (200, 201):
            return self._capture_update(reference, body)
        issue = self._issue(body)
        if status == 422 and issue == "ORDER_ALREADY_CAPTURED":
            status, body = self._call("GET", f"/v2/checkout/orders/{reference}")
            if status == 200:
                return self._capture_update(reference, body)
        if status == 422 and issue == "ORDER_NOT_APPROVED":
            return None
        if status == 422 and issue == "INSTRUMENT_DECLINED":
            return GatewayUpdate(event_id=f"paypal-order:{reference}:INSTRUMENT_DECLINED", reference=reference,
                                 payment_id=None, status="failed", failure_reason="instrument_declined",
                                 failure_message="PayPal declined the chosen way to pay.")
        raise self._fail("capture", status, body)

    def _capture_update(self, reference: str, order: dict) -> GatewayUpdate:
        units = order.get("purchase_units") or [{}]
        captures = ((units[0].get("payments") or {}).get("captures")) or []
        if not captures:
            raise PayPalGatewayError("paypal: the order has no capture", retryable=False)
        capture = captures[-1]
        state = capture.get("status", "")
        return GatewayUpdate(
            event_id=f"paypal-capture:{capture.get('id')}:{state}", reference=reference,
            payment_id=capture.get("custom_id") or units[0].get("custom_id"),
            status=_CAPTURE_STATUS.get(state, "pending"),
            amount_minor=from_paypal_value((capture.get("amount") or {}).get("value"),
                                           (capture.get("amount") or {}).get("currency_code")),
            currency=(capture.get("amount") or {}).get("currency_code"),
            failure_reason=(capture.get("status_details") or {}).get("reason", "declined").lower()
            if _CAPTURE_STATUS.get(state) == "failed" else None,
            failure_message="PayPal declined the payment." if _CAPTURE_STATUS.get(state) == "failed" else None)

    # --- webhooks ---------------------------------------------------------------------

    def parse_webhook(self, body: bytes, headers: dict[str, str]) -> GatewayUpdate | None:
        found = _lower(headers)
        missing = [h for h in _SIGNATURE_HEADERS if not found.get(h)]
        if missing:
            raise WebhookRefused(f"paypal: missing {', '.join(missing)}")
        try:
            event = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise WebhookRefused("paypal body: not JSON") from None
        if not isinstance(event, dict) or not event.get("id") or not isinstance(event.get("resource"), dict) \
                or not isinstance(event.get("event_type"), str):
            raise WebhookRefused("paypal body: not a webhook event")
        try:
            sent = dt.datetime.fromisoformat(found["paypal-transmission-time"].replace("Z", "+00:00"))
            if sent.tzinfo is None:
                raise ValueError("no time zone")
        except ValueError:
            raise WebhookRefused("paypal: unreadable transmission time") from None
        age = (dt.datetime.now(dt.timezone.utc) - sent).total_seconds()
        if abs(age) > self.settings.webhook_tolerance_s:
            raise WebhookRefused(f"paypal: transmission time outside the tolerance ({int(age)} s)")
        self._verify(body, found)
        handler = self._HANDLERS.get(event["event_type"])
        return handler(self, event) if handler else None

    def _verify(self, body: bytes, headers: dict) -> None:
        fields = {"auth_algo": headers["paypal-auth-algo"], "cert_url": headers["paypal-cert-url"],
                  "transmission_id": headers["paypal-transmission-id"],
                  "transmission_sig": headers["paypal-transmission-sig"],
                  "transmission_time": headers["paypal-transmission-time"], "webhook_id": self.settings.webhook_id}
        # The event goes in exactly as it came: PayPal's check covers a CRC32 of these bytes.
        raw = json.dumps(fields)[:-1].encode() + b', "webhook_event": ' + body.strip() + b"}"
        status, answer = self._call("POST", "/v1/notifications/verify-webhook-signature", raw=raw)
        if status == 200 and answer.get("verification_status") == "SUCCESS":
            return
        if status == 200 or 400 <= status < 500 and status not in (401, 429):
            raise WebhookRefused(f"paypal signature: {answer.get('verification_status') or self._issue(answer)}")
        raise self._fail("verify webhook signature", status, answer)

    def _order_of_capture(self, capture: dict) -> tuple[str | None, dict]:
        order_id = ((capture.get("supplementary_data") or {}).get("related_ids") or {}).get("order_id")
        if order_id:
            return order_id, capture
        status, fetched = self._call("GET", f"/v2/payments/captures/{capture.get('id')}")
        if status != 200:
            raise self._fail("read capture", status, fetched)
        return ((fetched.get("supplementary_data") or {}).get("related_ids") or {}).get("order_id"), fetched

    def _on_capture(self, event: dict) -> GatewayUpdate | None:
        capture = event["resource"]
        order_id, capture = self._order_of_capture(capture)
        if not order_id:
            return None
        status = {"PAYMENT.CAPTURE.COMPLETED": "settled", "PAYMENT.CAPTURE.PENDING": "pending"}.get(
            event["event_type"], "failed")
        amount = capture.get("amount") or {}
        reason = (capture.get("status_details") or {}).get("reason")
        return GatewayUpdate(
            event_id=event["id"], reference=order_id, payment_id=capture.get("custom_id"), status=status,
            amount_minor=from_paypal_value(amount.get("value"), amount.get("currency_code")),
            currency=amount.get("currency_code"),
            failure_reason=(reason or event["event_type"].rsplit(".", 1)[-1]).lower() if status == "failed" else None,
            failure_message="PayPal did not complete the payment." if status == "failed" else None)

    def _on_refund(self, event: dict) -> GatewayUpdate | None:
        refund = event["resource"]
        up = _link(refund, "up") or ""
        capture_id = up.rstrip("/").rsplit("/", 1)[-1] if "/captures/" in up else None
        if not capture_id:
            log.warning("paypal refund %s names no capture; ignored", refund.get("id"))
            return None
        order_id, capture = self._order_of_capture({"id": capture_id})
        if not order_id:
            return None
        breakdown = refund.get("seller_payable_breakdown") or {}
        total = breakdown.get("total_refunded_amount") or refund.get("amount") or {}
        return GatewayUpdate(
            event_id=event["id"], reference=order_id,
            payment_id=refund.get("custom_id") or capture.get("custom_id"), status="refunded",
            amount_minor=from_paypal_value(total.get("value"), total.get("currency_code")),
            currency=total.get("currency_code"))

    _HANDLERS = {
        "PAYMENT.CAPTURE.COMPLETED": _on_capture,
        "PAYMENT.CAPTURE.PENDING": _on_capture,
        "PAYMENT.CAPTURE.DENIED": _on_capture,
        "PAYMENT.CAPTURE.DECLINED": _on_capture,
        "PAYMENT.CAPTURE.REFUNDED": _on_refund,
    }

    # --- refunds ----------------------------------------------------------------------

    def refund(self, reference: str, amount_minor: int, currency: str, idempotency_key: str) -> str:
        if amount_minor <= 0:
            raise ValueError("A refund needs a positive amount.")
        status, order = self._call("GET", f"/v2/checkout/orders/{reference}")
        if status != 200:
            raise self._fail("read order", status, order)
        captures = [c for unit in order.get("purchase_units") or []
                    for c in (unit.get("payments") or {}).get("captures") or []]
        capture = captures[-1] if captures else {}
        if capture.get("status") == "REFUNDED":
            raise PayPalGatewayError("paypal: this payment is refunded in full already", retryable=False,
                                     issue="CAPTURE_FULLY_REFUNDED")
        if capture.get("status") not in ("COMPLETED", "PARTIALLY_REFUNDED"):
            raise PayPalGatewayError("paypal: this order has no settled capture to refund", retryable=False,
                                     issue="NOT_PAID")
        if (capture.get("amount") or {}).get("currency_code") != currency:
            raise ValueError(f"The payment is in {capture['amount'].get('currency_code')}, not {currency}.")
        status, body = self._call("POST", f"/v2/payments/captures/{capture['id']}/refund",
                                  body={"amount": {"currency_code": currency,
                                                   "value": to_paypal_value(amount_minor, currency)}},
                                  request_id=idempotency_key[:108])
        if status not in (200, 201):
            raise self._fail("refund", status, body)
        return body["id"]
