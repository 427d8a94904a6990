"""A local stand-in for Stripe's API servers, so that the real stripe SDK has something to talk
to where Stripe's servers cannot be reached (tests, `make up` with STRIPE_API_BASE set).

It speaks the documented wire format of the parts billing uses, and nothing else:

- form-encoded request bodies with Stripe's bracket notation (`line_items[0][price_data][currency]`),
  JSON answers, errors as `{"error": {"type", "code", "message"}}` with Stripe's status codes;
- `Authorization: Bearer <secret key>` checked (401 otherwise);
- `Idempotency-Key` honoured on every POST: the same key with the same parameters answers the saved
  response again (`Idempotent-Replayed: true`), the same key with other parameters is a 400
  `idempotency_error`, as docs.stripe.com/idempotency describes;
- Checkout Sessions (create, retrieve, list by `payment_intent`, expire), PaymentIntents (retrieve),
  Refunds (create, retrieve), Events (retrieve, list);
- saved methods (tests/helpers/stripe_saved.py): Customers, Checkout in mode=setup with a "Save"
  button, SetupIntents, PaymentMethods (retrieve, detach), off-session PaymentIntents (create);
- the hosted checkout page at the session's `url`, with the buttons "Pay", "Decline" and "Cancel":
  a card payment succeeds at once; a bank debit (us_bank_account, sepa_debit, ...) completes the
  session unpaid and stays `processing` until a test settles or fails it; "Decline" is a declined
  card: the PaymentIntent fails, the session stays open (the customer may try again), as on Stripe;
- events delivered to the configured webhook URL, signed the documented way
  (`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint secret>`).

Helpers for tests: hold deliveries and release them in another order, deliver an event again,
sign it stale or with a forged signature, settle or fail a pending bank debit.

Run alone (for `make up`):
    python -m tests.helpers.stripe_standin --port 12111 --webhook-url URL --secret whsec_...
"""
from __future__ import annotations

import copy
import hashlib
import hmac
import html
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import requests
from flask import Flask, Response, redirect, request

from tests.helpers.standin import (Delivery, StandIn, action_form, cli_parser,  # noqa: F401 (Delivery: for tests)
                                   fixture, html_page)
from tests.helpers.stripe_saved import SavedMethods

API_VERSION = "2025-stand-in"
DEFAULT_KEY = "sk_test_standin"
DEFAULT_SECRET = "whsec_standin"
BANK_DEBIT_TYPES = ("us_bank_account", "sepa_debit", "bacs_debit", "acss_debit", "au_becs_debit")
SESSION_TTL_S = 24 * 3600


def _id(prefix: str) -> str:
    return f"{prefix}_test_{secrets.token_hex(12)}"


def decode_form(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's bracket notation back into nested dicts and lists:
    `a[b][0][c]=x` -> {"a": {"b": [{"c": "x"}]}}."""
    root: dict = {}
    for key, value in pairs:
        match = re.fullmatch(r"([^\[\]]+)((?:\[[^\[\]]*\])*)", key)
        if not match:
            raise ValueError(f"Invalid parameter name: {key}")
        parts = [match.group(1)] + re.findall(r"\[([^\[\]]*)\]", match.group(2))
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"Invalid parameter name: {key}")
        node[parts[-1]] = value

    def listify(node):
        if isinstance(node, dict):
            node = {k: listify(v) for k, v in node.items()}
            if node and all(k.isdigit() for k in node):
                return [node[k] for k in sorted(node, key=int)]
        return node
    return listify(root)


class StripeProblem(Exception):
    def __init__(self, status: int, message: str, type_: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.status, self.body = status, {"error": {k: v for k, v in {
            "type": type_, "code": code, "message": message, "param": param, **(extra or {})}.items()
            if v is not None}}


@dataclass
class _State:
    sessions: dict = field(default_factory=dict)
    intents: dict = field(default_factory=dict)
    charges: dict = field(default_factory=dict)
    refunds: dict = field(default_factory=dict)
    events: dict = field(default_factory=dict)          # id -> event, in creation order
    idempotency: dict = field(default_factory=dict)     # key -> (fingerprint, status, body)
    session_extras: dict = field(default_factory=dict)  # session id -> payment_intent_data
    customers: dict = field(default_factory=dict)
    setup_intents: dict = field(default_factory=dict)
    payment_methods: dict = field(default_factory=dict)


class StripeStandIn(SavedMethods, StandIn):
    """Start with `.start()` (or as a context manager); `.url` is the API base for the SDK."""

    name = "stripe"

    def __init__(self, api_key: str = DEFAULT_KEY, webhook_secret: str = DEFAULT_SECRET,
                 webhook_url: str | None = None, host: str = "127.0.0.1", port: int = 0):
        self.api_key, self.webhook_secret = api_key, webhook_secret
        self.state = _State()
        super().__init__(webhook_url, host, port)

    def _events(self) -> dict:
        return self.state.events

    # --- signing (as Stripe documents it) ------------------------------------------------

    def signature_header(self, body: bytes, timestamp: int | None = None, secret: str | None = None) -> str:
        timestamp = int(time.time()) if timestamp is None else int(timestamp)
        mac = hmac.new((secret or self.webhook_secret).encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
        return f"t={timestamp},v1={mac.hexdigest()}"

    def signed(self, event_id: str, *, stale: bool = False, forged: bool = False,
               timestamp: int | None = None) -> tuple[bytes, dict]:
        """The body and headers of a (new) delivery of an event: stale = signed 10 minutes ago,
        forged = signed with another secret."""
        body = self._event_body(event_id)
        if timestamp is None:
            timestamp = int(time.time()) - (600 if stale else 0)
        secret = "whsec_forged_" + secrets.token_hex(8) if forged else None
        return body, self._headers(body, self.signature_header(body, timestamp, secret))

    def _event_body(self, event_id: str) -> bytes:
        with self._lock:
            event = self.state.events[event_id]
            return json.dumps(event, indent=2).encode()

    @staticmethod
    def _headers(body: bytes, signature: str) -> dict:
        return {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0 (stand-in)",
                "Stripe-Signature": signature}

    def _emit(self, type_: str, obj: dict) -> str:
        """Record an event (holding the lock); it is delivered by _flush() after the lock is let go."""
        return self._record({
            "id": _id("evt").replace("_test", ""), "object": "event", "api_version": API_VERSION,
            "created": int(time.time()), "data": {"object": copy.deepcopy(obj)}, "livemode": False,
            "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None}, "type": type_})

    # --- what a test does in Stripe's dashboard or what time does -------------------------

    def inject_event(self, type_: str, obj: dict) -> str:
        """An event of any type (one billing does not handle, say), signed and delivered like the rest."""
        with self._lock:
            event_id = self._emit(type_, obj)
        self._flush()
        return event_id

    def settle_bank_debit(self, session_id: str) -> None:
        """The pending bank debit clears (days later, on Stripe)."""
        with self._lock:
            session, intent = self._processing(session_id)
            self._succeed(intent)
            session["payment_status"] = "paid"
            self._emit("payment_intent.succeeded", intent)
            self._emit("checkout.session.async_payment_succeeded", session)
        self._flush()

    def fail_bank_debit(self, session_id: str, code: str = "insufficient_funds") -> None:
        """The pending bank debit is returned (insufficient funds, account closed ...)."""
        with self._lock:
            session, intent = self._processing(session_id)
            intent.update(status="requires_payment_method", last_payment_error={
                "type": "invalid_request_error", "code": code,
                "message": "The customer's bank account could not be debited."})
            self._emit("payment_intent.payment_failed", intent)
            self._emit("checkout.session.async_payment_failed", session)
        self._flush()

    def _processing(self, session_id: str) -> tuple[dict, dict]:
        """The session and its PaymentIntent, which must be a bank debit still under way."""
        session = self.state.sessions[session_id]
        intent = self.state.intents[session["payment_intent"]]
        if intent["status"] != "processing":
            raise ValueError(f"the payment is {intent['status']}, not processing")
        return session, intent

    def expire_session(self, session_id: str) -> dict:
        """The session runs out (24 hours on Stripe) or is expired through the API."""
        answer = self._expire(session_id)
        self._flush()
        return answer

    def _expire(self, session_id: str) -> dict:
        with self._lock:
            session = self.state.sessions[session_id]
            if session["status"] != "open":
                raise StripeProblem(400, f"Only Checkout Sessions with a status of open can be expired; "
                                         f"this one is {session['status']}.", code="checkout_session_not_open")
            session.update(status="expired")
            intent = self.state.intents.get(session["payment_intent"] or "")
            if intent is not None and intent["status"] not in ("succeeded", "canceled"):
                intent.update(status="canceled", cancellation_reason="abandoned")
                self._emit("payment_intent.canceled", intent)
            self._emit("checkout.session.expired", session)
            return copy.deepcopy(session)

    # --- the customer at the hosted page -----------------------------------------------

    def page_url(self, session_id: str) -> str:
        return self.state.sessions[session_id]["url"]

    def customer_acts(self, session_id: str, action: str, **fields) -> requests.Response:
        """Press a button of the hosted page over HTTP, as a browser's form post would
        (`fields`: more of the form, e.g. card="0341" on a setup page)."""
        return requests.post(self.page_url(session_id), data={"action": action, **fields}, allow_redirects=False,
                             timeout=30)

    # --- the app ----------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("stripe_standin")
        standin = self

        @app.errorhandler(StripeProblem)
        def _problem(exc: StripeProblem):
            return Response(json.dumps(exc.body), status=exc.status, mimetype="application/json",
                            headers={"Request-Id": _id("req")})

        def api(fn):
            """Authentication and idempotency, as Stripe's API front does them."""
            def wrapped(**kwargs):
                auth = request.headers.get("Authorization", "")
                if auth != f"Bearer {standin.api_key}":
                    raise StripeProblem(401, "Invalid API Key provided.")
                if request.method == "GET":
                    params = decode_form(list(request.args.items(multi=True)))
                else:
                    try:
                        params = decode_form(parse_qsl(request.get_data(as_text=True), keep_blank_values=True))
                    except ValueError as exc:
                        raise StripeProblem(400, str(exc)) from None
                key = request.headers.get("Idempotency-Key")
                if request.method != "POST" or not key:
                    status, body = fn(params, **kwargs)
                    standin._flush()
                    return Response(json.dumps(body), status=status, mimetype="application/json")
                fingerprint = (request.path, json.dumps(params, sort_keys=True))
                with standin._lock:
                    saved = standin.state.idempotency.get(key)
                    if saved == "in flight":
                        raise StripeProblem(409, "There is currently another in-progress request using this "
                                                 "Idempotent Key. Please try again later.",
                                            type_="idempotency_error")
                    if saved is not None:
                        if saved[0] != fingerprint:
                            raise StripeProblem(400, "Keys for idempotent requests can only be used with the "
                                                     "same parameters they were first used with.",
                                                type_="idempotency_error")
                        return Response(saved[2], status=saved[1], mimetype="application/json",
                                        headers={"Idempotent-Replayed": "true", "Idempotency-Key": key})
                    standin.state.idempotency[key] = "in flight"
                try:
                    status, body = fn(params, **kwargs)
                except StripeProblem as exc:           # a refused request is saved and answered again too
                    status, body = exc.status, exc.body
                except Exception:
                    with standin._lock:
                        standin.state.idempotency.pop(key, None)
                    raise
                text = json.dumps(body)
                with standin._lock:
                    standin.state.idempotency[key] = (fingerprint, status, text)
                standin._flush()
                return Response(text, status=status, mimetype="application/json",
                                headers={"Idempotency-Key": key})
            wrapped.__name__ = fn.__name__
            return wrapped

        def retrieve(path: str, collection: str, what: str) -> None:
            """`GET <path>/<id>`: one object as it stands, or Stripe's 404 naming what is missing."""
            def get_one(params, id_):
                return 200, standin._get(collection, id_, what)
            get_one.__name__ = f"get_{collection}"
            app.get(f"{path}/<id_>")(api(get_one))

        retrieve("/v1/checkout/sessions", "sessions", "checkout session")
        retrieve("/v1/payment_intents", "intents", "payment_intent")
        retrieve("/v1/charges", "charges", "charge")
        retrieve("/v1/refunds", "refunds", "refund")
        retrieve("/v1/events", "events", "event")
        standin.add_saved_routes(app, api)

        @app.post("/v1/checkout/sessions")
        @api
        def create_session(params):
            return 200, standin._create_session(params)

        @app.get("/v1/checkout/sessions")
        @api
        def list_sessions(params):
            found, limit = standin._newest("sessions", "payment_intent", params), int(params.get("limit", 10))
            return 200, {"object": "list", "url": "/v1/checkout/sessions", "has_more": len(found) > limit,
                         "data": found[:limit]}

        @app.post("/v1/checkout/sessions/<session_id>/expire")
        @api
        def expire_session(params, session_id):
            standin._get("sessions", session_id, "checkout session")
            return 200, standin._expire(session_id)

        @app.get("/v1/balance")
        @api
        def balance(params):
            """The account's balance (what the console's "Test connection" reads)."""
            return 200, {"object": "balance", "livemode": False, "available": [{"amount": 0, "currency": "eur"}],
                         "pending": [{"amount": 0, "currency": "eur"}]}

        @app.post("/v1/refunds")
        @api
        def create_refund(params):
            return 200, standin._create_refund(params)

        @app.get("/v1/events")
        @api
        def list_events(params):
            found = standin._newest("events", "type", params)
            return 200, {"object": "list", "url": "/v1/events", "has_more": False,
                         "data": found[:int(params.get("limit", 10))]}

        @app.route("/c/pay/<session_id>", methods=["GET", "POST"])
        def hosted_page(session_id):
            with standin._lock:
                session = standin.state.sessions.get(session_id)
            if session is None:
                return Response("<!doctype html><title>Not found</title><p>No such checkout.</p>", 404)
            message = ""
            if request.method == "POST":
                action = request.form.get("action")
                if session["status"] != "open":
                    message = f"This checkout is {session['status']}."
                elif action == "save" and session["mode"] == "setup":
                    standin._save(session_id, request.form.get("card") or "4242")
                    return redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id), 303)
                elif action == "pay" and session["mode"] == "payment":
                    standin._pay(session_id)
                    return redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id), 303)
                elif action == "decline":
                    standin._decline(session_id)
                    message = "Your card was declined. Try another card."
                elif action == "cancel":
                    return redirect(session.get("cancel_url") or session["success_url"], 303)
                else:
                    return Response("unknown action", 400)
            return Response(standin._page(session_id, message), mimetype="text/html")

        return app

    def _get(self, collection: str, id_: str, what: str) -> dict:
        with self._lock:
            found = getattr(self.state, collection).get(id_)
            if found is None:
                raise StripeProblem(404, f"No such {what}: '{id_}'", code="resource_missing", param="id")
            return copy.deepcopy(found)

    def _newest(self, collection: str, field: str, params: dict) -> list[dict]:
        """A list call's objects, newest first, as Stripe lists them; those whose `field` matches the
        parameter of that name, when the call gives it."""
        wanted = params.get(field)
        with self._lock:
            return copy.deepcopy([o for o in reversed(getattr(self.state, collection).values())
                                  if not wanted or o[field] == wanted])

    # --- Stripe's rules, as far as billing meets them -----------------------------------

    def _create_session(self, params: dict) -> dict:
        if params.get("mode") == "setup":
            return self._setup_session(params)
        if params.get("mode") != "payment":
            raise StripeProblem(400, "This stand-in supports mode=payment only.", param="mode")
        items = params.get("line_items") or []
        if not items:
            raise StripeProblem(400, "line_items is required in payment mode.", param="line_items")
        if not params.get("success_url"):
            raise StripeProblem(400, "Missing required param: success_url.", param="success_url")
        total, currency = 0, None
        for i, item in enumerate(items):
            price = item.get("price_data") or {}
            try:
                unit, quantity = int(price["unit_amount"]), int(item.get("quantity", 1))
            except (KeyError, ValueError):
                raise StripeProblem(400, "line_items need price_data[unit_amount] and quantity.",
                                    param=f"line_items[{i}]") from None
            cur = price.get("currency", "")
            if not re.fullmatch(r"[a-z]{3}", cur):
                raise StripeProblem(400, "Invalid currency: use a lowercase ISO code.", param="currency")
            if currency not in (None, cur):
                raise StripeProblem(400, "All line items must have the same currency.")
            if not (price.get("product_data") or {}).get("name"):
                raise StripeProblem(400, "Missing product_data[name].", param=f"line_items[{i}]")
            currency, total = cur, total + unit * quantity
        types = params.get("payment_method_types") or ["card"]
        for t in types:
            if t != "card" and t not in BANK_DEBIT_TYPES:
                raise StripeProblem(400, f"Invalid payment_method_types: {t}", param="payment_method_types")
        metadata = params.get("metadata") or {}
        if len(metadata) > 50 or any(len(k) > 40 or len(str(v)) > 500 for k, v in metadata.items()):
            raise StripeProblem(400, "Invalid metadata: at most 50 keys, keys 40 and values 500 characters.",
                                param="metadata")
        session_id = _id("cs")
        now = int(time.time())
        session = {
            "id": session_id, "object": "checkout.session", "amount_subtotal": total, "amount_total": total,
            "cancel_url": params.get("cancel_url"), "client_reference_id": params.get("client_reference_id"),
            "created": now, "currency": currency, "customer": None,
            "customer_email": params.get("customer_email"),
            "expires_at": int(params.get("expires_at") or now + SESSION_TTL_S), "livemode": False,
            "metadata": metadata, "mode": "payment", "payment_intent": None,
            "payment_method_types": types, "payment_status": "unpaid", "status": "open",
            "success_url": params["success_url"], "url": f"{self.url}/c/pay/{session_id}",
        }
        with self._lock:
            self.state.sessions[session_id] = session
            self.state.session_extras[session_id] = {
                "items": items, "payment_intent_data": params.get("payment_intent_data") or {}}
            return copy.deepcopy(session)

    def _intent_for(self, session: dict) -> dict:
        """The session's PaymentIntent: made when the customer first submits the page."""
        if session["payment_intent"]:
            return self.state.intents[session["payment_intent"]]
        data = self.state.session_extras[session["id"]]["payment_intent_data"]
        intent = {"id": _id("pi"), "object": "payment_intent", "amount": session["amount_total"],
                  "amount_received": 0, "currency": session["currency"], "created": int(time.time()),
                  "description": data.get("description"), "latest_charge": None, "last_payment_error": None,
                  "livemode": False, "metadata": data.get("metadata") or {},
                  "payment_method_types": session["payment_method_types"], "status": "requires_payment_method"}
        self.state.intents[intent["id"]] = intent
        session["payment_intent"] = intent["id"]
        return intent

    def _succeed(self, intent: dict) -> dict:
        charge = {"id": _id("ch"), "object": "charge", "amount": intent["amount"], "amount_captured": intent["amount"],
                  "amount_refunded": 0, "captured": True, "currency": intent["currency"],
                  "created": int(time.time()), "livemode": False, "metadata": intent["metadata"], "paid": True,
                  "payment_intent": intent["id"], "refunded": False, "status": "succeeded"}
        self.state.charges[charge["id"]] = charge
        intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=charge["id"],
                      last_payment_error=None)
        return charge

    def _pay(self, session_id: str) -> None:
        with self._lock:
            session = self.state.sessions[session_id]
            intent = self._intent_for(session)
            bank = any(t in BANK_DEBIT_TYPES for t in session["payment_method_types"])
            session["status"] = "complete"
            if bank:
                intent.update(status="processing", last_payment_error=None)
                self._emit("payment_intent.processing", intent)
                self._emit("checkout.session.completed", session)          # payment_status "unpaid"
            else:
                charge = self._succeed(intent)
                session["payment_status"] = "paid"
                self._emit("charge.succeeded", charge)
                self._emit("payment_intent.succeeded", intent)
                self._emit("checkout.session.completed", session)          # payment_status "paid"
        self._flush()

    def _decline(self, session_id: str) -> None:
        with self._lock:
            session = self.state.sessions[session_id]
            intent = self._intent_for(session)
            intent.update(status="requires_payment_method", last_payment_error={
                "type": "card_error", "code": "card_declined", "decline_code": "generic_decline",
                "message": "Your card was declined."})
            self._emit("payment_intent.payment_failed", intent)
        self._flush()

    def _create_refund(self, params: dict) -> dict:
        with self._lock:
            if params.get("charge"):
                charge = self.state.charges.get(params["charge"])
            elif params.get("payment_intent"):
                intent = self.state.intents.get(params["payment_intent"])
                charge = self.state.charges.get((intent or {}).get("latest_charge") or "")
                if intent is None:
                    raise StripeProblem(404, f"No such payment_intent: '{params['payment_intent']}'",
                                        code="resource_missing", param="payment_intent")
            else:
                raise StripeProblem(400, "One of charge or payment_intent is required.")
            if charge is None:
                raise StripeProblem(400, "This PaymentIntent does not have a successful charge to refund.",
                                    code="charge_not_refundable")
            left = charge["amount"] - charge["amount_refunded"]
            amount = int(params.get("amount", left))
            if amount <= 0 or amount > left:
                raise StripeProblem(400, f"Refund amount ({amount}) is greater than unrefunded amount on "
                                         f"charge ({left}).", code="amount_too_large", param="amount")
            refund = {"id": _id("re"), "object": "refund", "amount": amount, "charge": charge["id"],
                      "created": int(time.time()), "currency": charge["currency"],
                      "metadata": params.get("metadata") or {}, "payment_intent": charge["payment_intent"],
                      "reason": params.get("reason"), "status": "succeeded"}
            self.state.refunds[refund["id"]] = refund
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            self._emit("refund.created", refund)
            self._emit("charge.refunded", charge)
            return copy.deepcopy(refund)

    def _page(self, session_id: str, message: str) -> str:
        with self._lock:
            s = copy.deepcopy(self.state.sessions[session_id])
            items = self.state.session_extras[session_id]["items"]
        name = html.escape(items[0]["price_data"]["product_data"]["name"])
        if s["mode"] == "setup":
            buttons = "" if s["status"] != "open" else action_form(("save", "Save"), ("cancel", "Cancel"))
            return html_page(name, f'<h1>Stripe Checkout (stand-in)</h1><p>{name}</p>'
                                   f'<p>Status: {html.escape(s["status"])}</p>{buttons}')
        amount = html.escape(f"{s['amount_total']} {s['currency'].upper()} (minor units)")
        bank = any(t in BANK_DEBIT_TYPES for t in s["payment_method_types"])
        note = f'<p role="alert">{html.escape(message)}</p>' if message else ""
        buttons = "" if s["status"] != "open" else action_form(
            ("pay", "Pay"), ("decline", "Decline"), ("cancel", "Cancel"))
        return html_page(f"Pay {name}", (
            f'<h1>Stripe Checkout (stand-in)</h1><p>{name}</p><p>Amount: {amount}</p>'
            f'<p>Method: {"bank debit" if bank else "card"}</p><p>Status: {html.escape(s["status"])}</p>'
            f'{note}{buttons}'))


stripe_standin = fixture(StripeStandIn, "stripe_standin")


def main(argv=None) -> None:
    parser = cli_parser("Stripe's API", port=12111)
    parser.add_argument("--secret", dest="webhook_secret", metavar="SECRET", default=DEFAULT_SECRET,
                        help="the webhook endpoint's signing secret")
    parser.add_argument("--api-key", default=DEFAULT_KEY, help="the secret API key clients must send")
    StripeStandIn(**vars(parser.parse_args(argv))).serve()


if __name__ == "__main__":
    main()
