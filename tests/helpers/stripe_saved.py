"""The stand-in's saved payment methods (mixed into tests/helpers/stripe_standin.StripeStandIn):
Customers (create, retrieve), Checkout Sessions in mode=setup and their hosted page's "Save"
button, SetupIntents (retrieve), PaymentMethods (retrieve, detach), and PaymentIntents created
with `customer`, `payment_method`, `off_session=true`, `confirm=true`, in Stripe's documented
shapes (docs.stripe.com/payments/save-and-reuse, /api/payment_intents/create):

- saving on the page creates a PaymentMethod attached to the session's customer and a
  succeeded SetupIntent, completes the session (`setup_intent` set) and sends
  `setup_intent.succeeded` and `checkout.session.completed`;
- test cards (the page's `card` field, as Stripe's test numbers): "4242" Visa succeeds,
  "0341" Visa attaches fine but every charge is declined (`card_declined`), "3155" needs
  authentication (`requires_action`); a bank debit type saves a bank account (last 4 "6789");
- an off-session PaymentIntent with a card succeeds at once (`charge.succeeded`,
  `payment_intent.succeeded`), is declined with HTTP 402 `card_error` carrying the
  PaymentIntent (`payment_intent.payment_failed`), or stays `requires_action`; with a bank
  account it is `processing` (`payment_intent.processing`) until `settle_intent`;
- a PaymentMethod that is not attached to the given customer is refused (400), as is a
  detach of one not attached to any customer.
"""
from __future__ import annotations

import copy
import time


class SavedMethods:
    """Needs the stand-in's `state`, `_lock`, `_emit`, `_flush`, `_get`, `_succeed` and `url`."""

    BANK_LAST4 = "6789"
    CARDS = {"4242": ("visa", "succeeds"), "0341": ("visa", "declines"), "3155": ("visa", "authenticates")}

    # --- the API --------------------------------------------------------------------------

    def _create_customer(self, params: dict) -> dict:
        from tests.helpers.stripe_standin import _id
        customer = {"id": _id("cus"), "object": "customer", "created": int(time.time()),
                    "email": params.get("email"), "livemode": False, "metadata": params.get("metadata") or {},
                    "invoice_settings": {"default_payment_method": None}}
        with self._lock:
            self.state.customers[customer["id"]] = customer
        return copy.deepcopy(customer)

    def _setup_session(self, params: dict) -> dict:
        """A Checkout Session in mode=setup (the page saves a method for the customer)."""
        from tests.helpers.stripe_standin import BANK_DEBIT_TYPES, SESSION_TTL_S, StripeProblem, _id
        customer = params.get("customer")
        if customer and customer not in self.state.customers:
            raise StripeProblem(400, f"No such customer: '{customer}'", code="resource_missing", param="customer")
        types = params.get("payment_method_types") or ["card"]
        if any(t != "card" and t not in BANK_DEBIT_TYPES for t in types):
            raise StripeProblem(400, "Invalid payment_method_types.", param="payment_method_types")
        if not params.get("success_url"):
            raise StripeProblem(400, "Missing required param: success_url.", param="success_url")
        session_id, now = _id("cs"), int(time.time())
        session = {
            "id": session_id, "object": "checkout.session", "amount_subtotal": None, "amount_total": None,
            "cancel_url": params.get("cancel_url"), "client_reference_id": params.get("client_reference_id"),
            "created": now, "currency": params.get("currency"), "customer": customer, "customer_email": None,
            "expires_at": now + SESSION_TTL_S, "livemode": False, "metadata": params.get("metadata") or {},
            "mode": "setup", "payment_intent": None, "payment_method_types": types,
            "payment_status": "no_payment_required", "setup_intent": None, "status": "open",
            "success_url": params["success_url"], "url": f"{self.url}/c/pay/{session_id}"}
        with self._lock:
            self.state.sessions[session_id] = session
            self.state.session_extras[session_id] = {
                "items": [{"price_data": {"product_data": {"name": "Save a payment method"}}}],
                "setup_intent_data": params.get("setup_intent_data") or {}}
            return copy.deepcopy(session)

    def _save(self, session_id: str, card: str = "4242") -> None:
        """The customer enters a test card (or bank account) on the setup page and saves it."""
        from tests.helpers.stripe_standin import _id
        with self._lock:
            session = self.state.sessions[session_id]
            types = session["payment_method_types"]
            pm = {"id": _id("pm"), "object": "payment_method", "created": int(time.time()),
                  "customer": session["customer"], "livemode": False, "metadata": {}, "billing_details": {}}
            if types == ["card"]:
                brand = self.CARDS.get(card, ("visa", "succeeds"))[0]
                pm.update(type="card", card={"brand": brand, "last4": card, "exp_month": 12,
                                             "exp_year": time.gmtime().tm_year + 3, "country": "US",
                                             "funding": "credit"})
            else:
                pm.update(type=types[0], **{types[0]: {"bank_name": "STRIPE TEST BANK", "last4": self.BANK_LAST4}})
            self.state.payment_methods[pm["id"]] = pm
            intent = {"id": _id("seti"), "object": "setup_intent", "created": int(time.time()),
                      "customer": session["customer"], "livemode": False, "payment_method": pm["id"],
                      "payment_method_types": types, "status": "succeeded", "usage": "off_session",
                      "metadata": self.state.session_extras[session_id]["setup_intent_data"].get("metadata") or {}}
            self.state.setup_intents[intent["id"]] = intent
            session.update(status="complete", setup_intent=intent["id"])
            self._emit("setup_intent.succeeded", intent)
            self._emit("checkout.session.completed", session)
        self._flush()

    def _detach(self, pm_id: str) -> dict:
        from tests.helpers.stripe_standin import StripeProblem
        with self._lock:
            pm = self.state.payment_methods.get(pm_id)
            if pm is None:
                raise StripeProblem(404, f"No such PaymentMethod: '{pm_id}'", code="resource_missing", param="id")
            if not pm["customer"]:
                raise StripeProblem(400, "The payment method you provided is not attached to a customer so "
                                         "detachment is impossible.", code="payment_method_unexpected_state")
            pm["customer"] = None
            self._emit("payment_method.detached", pm)
            return copy.deepcopy(pm)

    def _create_intent(self, params: dict) -> dict:
        """An off-session PaymentIntent with a saved method, confirmed at once."""
        from tests.helpers.stripe_standin import StripeProblem, _id
        if str(params.get("confirm")) != "true" or str(params.get("off_session")) != "true":
            raise StripeProblem(400, "This stand-in creates PaymentIntents with confirm=true and "
                                     "off_session=true only.")
        try:
            amount = int(params["amount"])
        except (KeyError, ValueError):
            raise StripeProblem(400, "Missing required param: amount.", param="amount") from None
        with self._lock:
            pm = self.state.payment_methods.get(params.get("payment_method") or "")
            if pm is None:
                raise StripeProblem(400, f"No such PaymentMethod: '{params.get('payment_method')}'",
                                    code="resource_missing", param="payment_method")
            if not pm["customer"] or pm["customer"] != params.get("customer"):
                raise StripeProblem(400, "The provided PaymentMethod is not attached to this Customer.",
                                    param="payment_method")
            intent = {"id": _id("pi"), "object": "payment_intent", "amount": amount, "amount_received": 0,
                      "currency": params.get("currency"), "created": int(time.time()), "customer": pm["customer"],
                      "description": params.get("description"), "latest_charge": None, "last_payment_error": None,
                      "livemode": False, "metadata": params.get("metadata") or {}, "payment_method": pm["id"],
                      "payment_method_types": [pm["type"]], "status": "requires_confirmation"}
            self.state.intents[intent["id"]] = intent
            if pm["type"] != "card":
                intent["status"] = "processing"
                self._emit("payment_intent.processing", intent)
                return copy.deepcopy(intent)
            behaviour = self.CARDS.get(pm["card"]["last4"], ("visa", "succeeds"))[1]
            if behaviour == "authenticates":
                intent["status"] = "requires_action"
                self._emit("payment_intent.requires_action", intent)
                return copy.deepcopy(intent)
            if behaviour == "declines":
                error = {"type": "card_error", "code": "card_declined", "decline_code": "generic_decline",
                         "message": "Your card was declined."}
                intent.update(status="requires_payment_method", last_payment_error=error)
                self._emit("payment_intent.payment_failed", intent)
                raise StripeProblem(402, error["message"], type_="card_error", code="card_declined",
                                    extra={"decline_code": "generic_decline",
                                           "payment_intent": copy.deepcopy(intent)})
            charge = self._succeed(intent)
            self._emit("charge.succeeded", charge)
            self._emit("payment_intent.succeeded", intent)
            return copy.deepcopy(intent)

    # --- what a test does ---------------------------------------------------------------------

    def save_method(self, session_id: str, card: str = "4242") -> None:
        """Save on the setup page without a browser (the page's "Save" does the same)."""
        self._save(session_id, card)

    def settle_intent(self, intent_id: str) -> None:
        """An off-session bank debit clears."""
        with self._lock:
            intent = self.state.intents[intent_id]
            self._succeed(intent)
            self._emit("payment_intent.succeeded", intent)
        self._flush()

    def add_saved_routes(self, app, api) -> None:
        standin = self

        def route(rule, method, fn):
            app.add_url_rule(rule, endpoint=f"saved_{fn.__name__}", view_func=api(fn), methods=[method])

        def create_customer(params):
            return 200, standin._create_customer(params)

        def get_customer(params, id_):
            return 200, standin._get("customers", id_, "customer")

        def get_setup_intent(params, id_):
            return 200, standin._get("setup_intents", id_, "setup_intent")

        def get_payment_method(params, id_):
            return 200, standin._get("payment_methods", id_, "PaymentMethod")

        def detach_payment_method(params, id_):
            return 200, standin._detach(id_)

        def create_payment_intent(params):
            return 200, standin._create_intent(params)

        route("/v1/customers", "POST", create_customer)
        route("/v1/customers/<id_>", "GET", get_customer)
        route("/v1/setup_intents/<id_>", "GET", get_setup_intent)
        route("/v1/payment_methods/<id_>", "GET", get_payment_method)
        route("/v1/payment_methods/<id_>/detach", "POST", detach_payment_method)
        route("/v1/payment_intents", "POST", create_payment_intent)
