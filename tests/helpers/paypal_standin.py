"""A local stand-in for PayPal's REST API (Orders v2, Payments v2, Webhooks v1), so that the
PayPal adapter talks real HTTP where PayPal's servers cannot be reached (tests, `make up`).

What it speaks, as PayPal documents it:

- `POST /v1/oauth2/token` (HTTP Basic client id and secret, `grant_type=client_credentials`):
  bearer tokens with `expires_in`; every other call needs a live one (401 `invalid_token`).
- `POST /v2/checkout/orders` (intent CAPTURE, purchase_units with amount, custom_id, invoice_id,
  `payment_source.paypal.experience_context` return/cancel URLs), `GET /v2/checkout/orders/{id}`,
  `POST /v2/checkout/orders/{id}/capture`; `Prefer: return=minimal|representation`.
- `PayPal-Request-Id` on every POST: the same id on the same call answers the saved response.
- `POST /v2/payments/captures/{id}/refund`, `GET /v2/payments/captures/{id}`, `GET /v2/payments/refunds/{id}`.
- Errors as `{"name", "message", "debug_id", "details": [{"issue", "description"}]}`: 422
  ORDER_NOT_APPROVED, ORDER_ALREADY_CAPTURED, INSTRUMENT_DECLINED, DUPLICATE_INVOICE_ID,
  DECIMAL_PRECISION, REFUND_AMOUNT_EXCEEDED ...
- The buyer's approval page at the `payer-action` link (`/checkoutnow?token=<order id>`) with
  "Pay", "Pay by bank" (an eCheck: the capture stays PENDING), "Decline" (the capture is
  DECLINED) and "Cancel"; approval sends the buyer to `return_url?token=<order>&PayerID=...`.
- Webhooks posted to the configured URL with PayPal's headers (PAYPAL-TRANSMISSION-ID, -TIME,
  -SIG, PAYPAL-CERT-URL, PAYPAL-AUTH-ALGO=SHA256withRSA): the signature is RSA-SHA256 over
  `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the body>` with the stand-in's
  own key, whose self-signed certificate is served at the cert URL; and
  `POST /v1/notifications/verify-webhook-signature` checks them (SUCCESS / FAILURE), as PayPal's does.

Run alone (for `make up`):
    python -m tests.helpers.paypal_standin --port 12112 --webhook-url URL --webhook-id WH_ID
"""
from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import html
import json
import re
import secrets
import string
import time
import uuid
from decimal import Decimal, InvalidOperation

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from flask import Flask, Response, redirect, request

from tests.helpers.standin import (Delivery, StandIn, action_form, cli_parser,  # noqa: F401 (Delivery: for tests)
                                   fixture, html_page, with_query)

DEFAULT_CLIENT_ID = "standin-client"
DEFAULT_CLIENT_SECRET = "standin-secret"
DEFAULT_WEBHOOK_ID = "8PT597110X687430LKGECATA"
NO_DECIMALS = {"HUF", "JPY", "TWD"}          # PayPal takes these without decimals
THREE_DECIMALS = {"BHD", "JOD", "KWD", "OMR", "TND"}
AUTH_ALGO = "SHA256withRSA"
TOKEN_TTL_S = 32400


def _pid(n: int = 17) -> str:
    """PayPal's ids: upper-case letters and digits (order 5O190127TN364715T)."""
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(n))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _crc32(body: bytes) -> int:
    return binascii.crc32(body) & 0xFFFFFFFF


class PayPalProblem(Exception):
    NAMES = {400: "INVALID_REQUEST", 401: "AUTHENTICATION_FAILURE", 403: "NOT_AUTHORIZED",
             404: "RESOURCE_NOT_FOUND", 415: "UNSUPPORTED_MEDIA_TYPE", 422: "UNPROCESSABLE_ENTITY"}

    def __init__(self, status: int, issue: str, description: str):
        super().__init__(description)
        self.status = status
        self.body = {"name": self.NAMES.get(status, "INTERNAL_SERVER_ERROR"),
                     "message": "The requested action could not be performed, semantically incorrect, "
                                "or failed business validation." if status == 422 else description,
                     "debug_id": secrets.token_hex(7),
                     "details": [{"issue": issue, "description": description}]}


def _make_key_and_cert():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "messageverificationcerts.standin")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365)).sign(key, hashes.SHA256()))
    return key, cert


class PayPalStandIn(StandIn):
    """Start with `.start()` (or as a context manager); `.url` is the API base for the adapter."""

    name = "paypal"
    type_field = "event_type"

    def __init__(self, client_id: str = DEFAULT_CLIENT_ID, client_secret: str = DEFAULT_CLIENT_SECRET,
                 webhook_id: str = DEFAULT_WEBHOOK_ID, webhook_url: str | None = None,
                 host: str = "127.0.0.1", port: int = 0):
        self.client_id, self.client_secret, self.webhook_id = client_id, client_secret, webhook_id
        self.orders: dict = {}
        self.captures: dict = {}
        self.refunds: dict = {}
        self.events: dict = {}
        self.tokens: dict = {}               # token -> expiry (unix time)
        self.token_requests = 0
        self.requests_by_id: dict = {}       # (path, PayPal-Request-Id) -> (status, body text)
        self._outcomes: dict = {}            # order id -> what the buyer chose at approval
        self._contexts: dict = {}            # order id -> experience_context (return and cancel URLs)
        self._key, self._cert = _make_key_and_cert()
        super().__init__(webhook_url, host, port)

    def _events(self) -> dict:
        return self.events

    @property
    def cert_url(self) -> str:
        return f"{self.url}/v1/notifications/certs/CERT-360caa42-fca2a594-standin"

    # --- signing webhooks (as PayPal does) ---------------------------------------------

    def _signature(self, transmission_id: str, time_: str, webhook_id: str, body: bytes, key=None) -> str:
        message = f"{transmission_id}|{time_}|{webhook_id}|{_crc32(body)}".encode()
        return base64.b64encode((key or self._key).sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()

    def _headers(self, body: bytes, *, when: dt.datetime | None = None, forged: bool = False) -> dict:
        transmission_id = str(uuid.uuid1())
        time_ = (when or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if forged else None
        return {"Content-Type": "application/json", "User-Agent": "PayPal/AUHD-214.0-stand-in",
                "PAYPAL-TRANSMISSION-ID": transmission_id, "PAYPAL-TRANSMISSION-TIME": time_,
                "PAYPAL-TRANSMISSION-SIG": self._signature(transmission_id, time_, self.webhook_id, body, key),
                "PAYPAL-CERT-URL": self.cert_url, "PAYPAL-AUTH-ALGO": AUTH_ALGO}

    def signed(self, event_id: str, *, stale: bool = False, forged: bool = False) -> tuple[bytes, dict]:
        """A new transmission of an event: stale = sent 10 minutes ago, forged = signed by another key."""
        with self._lock:
            body = json.dumps(self.events[event_id]).encode()
        when = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10 if stale else 0)
        return body, self._headers(body, when=when, forged=forged)

    def _verify(self, fields: dict) -> bool:
        try:
            if fields["webhook_id"] != self.webhook_id or fields["cert_url"] != self.cert_url \
                    or fields["auth_algo"] != AUTH_ALGO:
                return False
            body = json.dumps(fields["webhook_event"]).encode()
            message = f"{fields['transmission_id']}|{fields['transmission_time']}|{fields['webhook_id']}|{_crc32(body)}"
            self._cert.public_key().verify(base64.b64decode(fields["transmission_sig"]), message.encode(),
                                           padding.PKCS1v15(), hashes.SHA256())
            return True
        except (InvalidSignature, ValueError, TypeError, binascii.Error):
            return False

    def _emit(self, type_: str, resource_type: str, resource: dict, summary: str) -> str:
        """Record an event (holding the lock); it is delivered by _flush() after the lock is let go."""
        event_id = f"WH-{_pid(17)}-{_pid(17)}"
        return self._record({
            "id": event_id, "event_version": "1.0", "create_time": _now(), "resource_type": resource_type,
            "resource_version": "2.0", "event_type": type_, "summary": summary,
            "resource": copy.deepcopy(resource),
            "links": [{"href": f"{self.url}/v1/notifications/webhooks-events/{event_id}", "rel": "self",
                       "method": "GET"}]})

    # --- what a test makes happen -------------------------------------------------------

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def approval_url(self, order_id: str) -> str:
        return f"{self.url}/checkoutnow?token={order_id}"

    def buyer_acts(self, order_id: str, action: str) -> requests.Response:
        """Press a button of the approval page over HTTP, as a browser's form post would."""
        return requests.post(self.approval_url(order_id), data={"action": action}, allow_redirects=False,
                             timeout=30)

    def approve(self, order_id: str, outcome: str = "pay") -> None:
        """The buyer approves; `outcome` decides the capture: "pay" (COMPLETED), "echeck"
        (PENDING), "decline" (DECLINED), "instrument_declined" (capture answers 422)."""
        with self._lock:
            order = self.orders[order_id]
            if order["status"] not in ("CREATED", "PAYER_ACTION_REQUIRED", "APPROVED"):
                raise PayPalProblem(422, "ORDER_NOT_APPROVABLE", f"The order is {order['status']}.")
            order["status"] = "APPROVED"
            order["payer"] = {"payer_id": "STANDINPAYER1", "email_address": "buyer@example.test",
                              "name": {"given_name": "Test", "surname": "Buyer"}}
            order["payment_source"] = {"paypal": {"account_id": "STANDINPAYER1",
                                                  "email_address": "buyer@example.test"}}
            order["update_time"] = _now()
            self._outcomes[order_id] = outcome
            self._emit("CHECKOUT.ORDER.APPROVED", "checkout-order", order, "An order has been approved by buyer")
        self._flush()

    def inject_event(self, type_: str, resource_type: str, resource: dict) -> str:
        """An event of any type (one billing does not handle, say), signed and delivered like the rest."""
        with self._lock:
            event_id = self._emit(type_, resource_type, resource, type_)
        self._flush()
        return event_id

    def settle_echeck(self, capture_id: str) -> None:
        self._finish_pending(capture_id, "COMPLETED", "PAYMENT.CAPTURE.COMPLETED")

    def deny_echeck(self, capture_id: str) -> None:
        self._finish_pending(capture_id, "DECLINED", "PAYMENT.CAPTURE.DENIED")

    def _finish_pending(self, capture_id: str, status: str, type_: str) -> None:
        with self._lock:
            capture = self.captures[capture_id]
            if capture["status"] != "PENDING":
                raise ValueError(f"the capture is {capture['status']}, not PENDING")
            capture.update(status=status, update_time=_now())
            capture.pop("status_details", None)
            self._emit(type_, "capture", capture, f"Payment {status.lower()}")
        self._flush()

    # --- the app ------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("paypal_standin")
        standin = self

        @app.errorhandler(PayPalProblem)
        def _problem(exc: PayPalProblem):
            return Response(json.dumps(exc.body), status=exc.status, mimetype="application/json")

        def api(fn):
            def wrapped(**kwargs):
                header = request.headers.get("Authorization", "")
                with standin._lock:
                    expiry = standin.tokens.get(header[7:]) if header.startswith("Bearer ") else None
                if expiry is None or expiry < time.time():
                    return Response(json.dumps({"error": "invalid_token",
                                                "error_description": "Access Token not found in cache"}),
                                    status=401, mimetype="application/json")
                body = None
                if request.method == "POST":
                    raw = request.get_data()
                    if raw:
                        if not request.mimetype == "application/json":
                            raise PayPalProblem(415, "UNSUPPORTED_MEDIA_TYPE", "Use application/json.")
                        try:
                            body = json.loads(raw)
                        except ValueError:
                            raise PayPalProblem(400, "MALFORMED_REQUEST_JSON", "The body is not JSON.") from None
                request_id = request.headers.get("PayPal-Request-Id")
                minimal = "return=representation" not in request.headers.get("Prefer", "")
                key = (request.path, request_id)
                if request.method == "POST" and request_id:
                    with standin._lock:
                        saved = standin.requests_by_id.get(key)
                    if saved is not None:
                        return Response(saved[1], status=saved[0], mimetype="application/json")
                try:
                    status, answer = fn(body or {}, minimal, **kwargs)
                except PayPalProblem as exc:
                    status, answer = exc.status, exc.body
                text = json.dumps(answer)
                if request.method == "POST" and request_id and 200 <= status < 300:
                    with standin._lock:
                        standin.requests_by_id.setdefault(key, (status, text))
                        status, text = standin.requests_by_id[key]
                standin._flush()
                return Response(text, status=status, mimetype="application/json")
            wrapped.__name__ = fn.__name__
            return wrapped

        @app.post("/v1/oauth2/token")
        def token():
            auth = request.authorization
            if auth is None or auth.type != "basic" or (auth.username, auth.password) != (
                    standin.client_id, standin.client_secret):
                return Response(json.dumps({"error": "invalid_client",
                                            "error_description": "Client Authentication failed"}),
                                status=401, mimetype="application/json")
            if request.form.get("grant_type") != "client_credentials":
                return Response(json.dumps({"error": "unsupported_grant_type"}), status=400,
                                mimetype="application/json")
            access = "A21AA" + secrets.token_urlsafe(40)
            with standin._lock:
                standin.tokens[access] = time.time() + TOKEN_TTL_S
                standin.token_requests += 1
            return {"scope": "https://uri.paypal.com/services/payments/payment", "access_token": access,
                    "token_type": "Bearer", "app_id": "APP-STANDIN", "expires_in": TOKEN_TTL_S,
                    "nonce": f"{_now()}{secrets.token_hex(8)}"}

        @app.post("/v2/checkout/orders")
        @api
        def create_order(body, minimal):
            order = standin._create_order(body)
            return 201, standin._order_view(order, minimal)

        @app.get("/v2/checkout/orders/<order_id>")
        @api
        def get_order(body, minimal, order_id):
            return 200, standin._order_view(standin._find(standin.orders, order_id), False)

        @app.post("/v2/checkout/orders/<order_id>/capture")
        @api
        def capture(body, minimal, order_id):
            return 201, standin._order_view(standin._capture(order_id), minimal)

        @app.get("/v2/payments/captures/<capture_id>")
        @api
        def get_capture(body, minimal, capture_id):
            return 200, standin._find(standin.captures, capture_id)

        @app.post("/v2/payments/captures/<capture_id>/refund")
        @api
        def refund(body, minimal, capture_id):
            return 201, standin._refund(capture_id, body)

        @app.get("/v2/payments/refunds/<refund_id>")
        @api
        def get_refund(body, minimal, refund_id):
            found = standin._find(standin.refunds, refund_id)
            found.pop("_capture", None)
            return 200, found

        @app.post("/v1/notifications/verify-webhook-signature")
        @api
        def verify(body, minimal):
            needed = ("auth_algo", "cert_url", "transmission_id", "transmission_sig", "transmission_time",
                      "webhook_id", "webhook_event")
            missing = [f for f in needed if not body.get(f)]
            if missing:
                raise PayPalProblem(400, "MISSING_REQUIRED_PARAMETER", f"Missing: {', '.join(missing)}")
            return 200, {"verification_status": "SUCCESS" if standin._verify(body) else "FAILURE"}

        @app.get("/v1/notifications/certs/<name>")
        def cert(name):
            return Response(standin._cert.public_bytes(serialization.Encoding.PEM), mimetype="application/x-pem-file")

        @app.route("/checkoutnow", methods=["GET", "POST"])
        def approval_page():
            order_id = request.args.get("token", "")
            with standin._lock:
                order = copy.deepcopy(standin.orders.get(order_id))
            if order is None:
                return Response("<!doctype html><title>Not found</title><p>No such order.</p>", 404)
            context = standin._contexts.get(order_id, {})
            if request.method == "POST":
                action = request.form.get("action")
                if action == "cancel":
                    return redirect(with_query(context.get("cancel_url", "/"), token=order_id), 303)
                if action in ("pay", "echeck", "decline"):
                    try:
                        standin.approve(order_id, action)
                    except PayPalProblem as exc:
                        return Response(html.escape(exc.body["details"][0]["description"]), 422)
                    return redirect(with_query(context.get("return_url", "/"), token=order_id,
                                          PayerID="STANDINPAYER1"), 303)
                return Response("unknown action", 400)
            return Response(standin._page(order), mimetype="text/html")

        return app

    def _find(self, collection: dict, id_: str) -> dict:
        with self._lock:
            found = collection.get(id_)
            if found is None:
                raise PayPalProblem(404, "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
            return copy.deepcopy(found)

    # --- PayPal's rules, as far as billing meets them ----------------------------------

    @staticmethod
    def _check_amount(amount: dict, where: str) -> Decimal:
        currency, value = (amount or {}).get("currency_code", ""), (amount or {}).get("value", "")
        if not re.fullmatch(r"[A-Z]{3}", currency or ""):
            raise PayPalProblem(422, "INVALID_CURRENCY_CODE", f"{where}: currency_code is not valid.")
        places = 0 if currency in NO_DECIMALS else 3 if currency in THREE_DECIMALS else 2
        pattern = r"\d{1,15}" if places == 0 else rf"\d{{1,15}}(\.\d{{{places}}})?"
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            raise PayPalProblem(422, "DECIMAL_PRECISION", f"{where}: {currency} takes {places} decimals.")
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise PayPalProblem(422, "INVALID_PARAMETER_VALUE", f"{where}: value is not a number.") from None
        if number <= 0:
            raise PayPalProblem(422, "AMOUNT_MUST_BE_POSITIVE", f"{where}: value must be positive.")
        return number

    def _create_order(self, body: dict) -> dict:
        if body.get("intent") not in ("CAPTURE", "AUTHORIZE"):
            raise PayPalProblem(400, "MISSING_REQUIRED_PARAMETER", "intent must be CAPTURE or AUTHORIZE.")
        units = body.get("purchase_units") or []
        if not units or len(units) > 10:
            raise PayPalProblem(400, "MISSING_REQUIRED_PARAMETER", "purchase_units: 1 to 10 are needed.")
        for i, unit in enumerate(units):
            self._check_amount(unit.get("amount"), f"purchase_units[{i}].amount")
            for name, limit in (("custom_id", 127), ("invoice_id", 127), ("description", 127)):
                if len(unit.get(name) or "") > limit:
                    raise PayPalProblem(400, "INVALID_STRING_MAX_LENGTH", f"purchase_units[{i}].{name} is too long.")
        source = (body.get("payment_source") or {}).get("paypal")
        context = (source or {}).get("experience_context") or body.get("application_context") or {}
        order_id = _pid()
        order = {"id": order_id, "intent": body["intent"],
                 "status": "PAYER_ACTION_REQUIRED" if source is not None else "CREATED",
                 "purchase_units": [{"reference_id": u.get("reference_id") or "default", "amount": u["amount"],
                                     "custom_id": u.get("custom_id"), "invoice_id": u.get("invoice_id"),
                                     "description": u.get("description")} for u in units],
                 "create_time": _now(), "update_time": _now()}
        if source is not None:
            order["payment_source"] = {"paypal": {"experience_context": context}}
        with self._lock:
            self.orders[order_id] = order
            self._contexts[order_id] = context
        return order

    def _order_links(self, order: dict) -> list[dict]:
        base = f"{self.url}/v2/checkout/orders/{order['id']}"
        links = [{"href": base, "rel": "self", "method": "GET"}]
        if order["status"] in ("CREATED", "PAYER_ACTION_REQUIRED"):
            rel = "payer-action" if order["status"] == "PAYER_ACTION_REQUIRED" else "approve"
            links.append({"href": self.approval_url(order["id"]), "rel": rel, "method": "GET"})
        if order["status"] != "COMPLETED":
            links += [{"href": base, "rel": "update", "method": "PATCH"},
                      {"href": f"{base}/capture", "rel": "capture", "method": "POST"}]
        return links

    def _order_view(self, order: dict, minimal: bool) -> dict:
        with self._lock:
            view = copy.deepcopy(order)
            for unit in view["purchase_units"]:            # captures as they stand now (refunds change them)
                for i, capture in enumerate((unit.get("payments") or {}).get("captures") or []):
                    unit["payments"]["captures"][i] = copy.deepcopy(self.captures[capture["id"]])
        view["links"] = self._order_links(view)
        return {k: view[k] for k in ("id", "status", "links")} if minimal else view

    def _capture(self, order_id: str) -> dict:
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                raise PayPalProblem(404, "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
            if order["status"] == "COMPLETED":
                raise PayPalProblem(422, "ORDER_ALREADY_CAPTURED", "Order already captured.")
            if order["status"] != "APPROVED":
                raise PayPalProblem(422, "ORDER_NOT_APPROVED", "Payer has not yet approved the Order for payment.")
            outcome = self._outcomes.get(order_id, "pay")
            if outcome == "instrument_declined":
                raise PayPalProblem(422, "INSTRUMENT_DECLINED", "The instrument presented was either declined "
                                    "by the processor or bank, or it can't be used for this payment.")
            unit = order["purchase_units"][0]
            if unit.get("invoice_id") and any(
                    c["invoice_id"] == unit["invoice_id"] and c["status"] != "DECLINED"
                    for c in self.captures.values()):
                raise PayPalProblem(422, "DUPLICATE_INVOICE_ID", "Duplicate Invoice ID detected.")
            status = {"pay": "COMPLETED", "echeck": "PENDING", "decline": "DECLINED"}[outcome]
            capture_id = _pid()
            base = f"{self.url}/v2/payments/captures/{capture_id}"
            capture = {"id": capture_id, "status": status, "amount": copy.deepcopy(unit["amount"]),
                       "final_capture": True, "seller_protection": {"status": "ELIGIBLE"},
                       "custom_id": unit.get("custom_id"), "invoice_id": unit.get("invoice_id"),
                       "supplementary_data": {"related_ids": {"order_id": order_id}},
                       "create_time": _now(), "update_time": _now(),
                       "links": [{"href": base, "rel": "self", "method": "GET"},
                                 {"href": f"{base}/refund", "rel": "refund", "method": "POST"},
                                 {"href": f"{self.url}/v2/checkout/orders/{order_id}", "rel": "up", "method": "GET"}]}
            if status == "PENDING":
                capture["status_details"] = {"reason": "ECHECK"}
            self.captures[capture_id] = capture
            unit["payments"] = {"captures": [copy.deepcopy(capture)]}
            order.update(status="COMPLETED", update_time=_now())
            type_ = {"COMPLETED": "PAYMENT.CAPTURE.COMPLETED", "PENDING": "PAYMENT.CAPTURE.PENDING",
                     "DECLINED": "PAYMENT.CAPTURE.DECLINED"}[status]
            self._emit(type_, "capture", capture, f"Payment {status.lower()}")
            return order

    def _refund(self, capture_id: str, body: dict) -> dict:
        with self._lock:
            capture = self.captures.get(capture_id)
            if capture is None:
                raise PayPalProblem(404, "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
            if capture["status"] not in ("COMPLETED", "PARTIALLY_REFUNDED"):
                raise PayPalProblem(422, "CAPTURE_FULLY_REFUNDED" if capture["status"] == "REFUNDED"
                                    else "REFUND_NOT_ALLOWED", f"The capture is {capture['status']}.")
            currency = capture["amount"]["currency_code"]
            total = Decimal(capture["amount"]["value"])
            done = sum((Decimal(r["amount"]["value"]) for r in self.refunds.values()
                        if r["_capture"] == capture_id), Decimal(0))
            amount = body.get("amount") or {"currency_code": currency, "value": str(total - done)}
            value = self._check_amount(amount, "amount")
            if amount["currency_code"] != currency:
                raise PayPalProblem(422, "REFUND_CURRENCY_MISMATCH", "Refund must be in the capture's currency.")
            if done + value > total:
                raise PayPalProblem(422, "REFUND_AMOUNT_EXCEEDED", "The refund amount exceeds the capture.")
            refund_id = _pid()
            refund = {"id": refund_id, "amount": amount, "status": "COMPLETED",
                      "custom_id": capture.get("custom_id"),
                      "invoice_id": body.get("invoice_id") or capture.get("invoice_id"),
                      "note_to_payer": body.get("note_to_payer"),
                      "seller_payable_breakdown": {"gross_amount": amount, "total_refunded_amount": {
                          "currency_code": currency, "value": str(done + value)}},
                      "create_time": _now(), "update_time": _now(),
                      "links": [{"href": f"{self.url}/v2/payments/refunds/{refund_id}", "rel": "self", "method": "GET"},
                                {"href": f"{self.url}/v2/payments/captures/{capture_id}", "rel": "up",
                                 "method": "GET"}]}
            self.refunds[refund_id] = {**refund, "_capture": capture_id}
            capture.update(status="REFUNDED" if done + value == total else "PARTIALLY_REFUNDED", update_time=_now())
            self._emit("PAYMENT.CAPTURE.REFUNDED", "refund", refund, "A capture was refunded")
            return refund

    def _page(self, order: dict) -> str:
        unit = order["purchase_units"][0]
        what = html.escape(unit.get("description") or "Payment")
        amount = html.escape(f"{unit['amount']['value']} {unit['amount']['currency_code']}")
        open_ = order["status"] in ("CREATED", "PAYER_ACTION_REQUIRED")
        buttons = action_form(("pay", "Pay"), ("echeck", "Pay by bank"), ("decline", "Decline"),
                              ("cancel", "Cancel")) if open_ else ""
        return html_page(f"PayPal: {what}", (
            f'<h1>PayPal (stand-in)</h1><p>{what}</p><p>Amount: {amount}</p>'
            f'<p>Status: {html.escape(order["status"])}</p>{buttons}'))


paypal_standin = fixture(PayPalStandIn, "paypal_standin")


def main(argv=None) -> None:
    parser = cli_parser("PayPal's REST API", port=12112)
    parser.add_argument("--webhook-id", default=DEFAULT_WEBHOOK_ID, help="the webhook's id (PAYPAL_WEBHOOK_ID)")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    PayPalStandIn(**vars(parser.parse_args(argv))).serve()


if __name__ == "__main__":
    main()
