"""billing's webhook endpoints over real HTTP: the Stripe and PayPal stand-ins post signed events
to /webhooks/<gateway>/<org> of a running billing web app; verified updates go on to
payments.apply_update (a recording stub here: the payment core is built beside this), refused
ones are a 400 problem+json and go nowhere."""
from __future__ import annotations

import dataclasses
import threading
import types

import pytest
import requests
from werkzeug.serving import make_server

from services.billing.api import webhooks as api_webhooks
from services.billing.adapters.paypal import PayPalGateway, PayPalSettings
from services.billing.adapters.stripe import StripeGateway, StripeSettings
from services.billing.bootstrap import SPEC
from services.billing.domain.payment_gateway import PaymentRequest
from services.chassis import auth
from services.chassis.web import create_service_app
from tests.helpers import paypal_standin, stripe_standin

ORG = "org-acme"
PROBLEM = "application/problem+json"


def pay_request(payment_id="pay-1", method="card"):
    return PaymentRequest(payment_id=payment_id, org_id=ORG, customer_id="cust-1", amount_minor=12345,
                          currency="EUR", method=method, description="Invoice INV-000123",
                          return_url="http://portal.test/return")


@pytest.fixture
def applied(monkeypatch):
    """services.billing.handlers.payments.apply_update, recorded: (org_id, update) per call (the real one is
    tested end to end in test_billing_stripe_flow.py)."""
    calls = []
    fake = types.ModuleType("services.billing.handlers.payments")

    def apply_update(rt, org_id, update, gateway=None):
        calls.append((org_id, update))
        assert gateway in ("stripe", "paypal")
        return "applied"
    fake.apply_update = apply_update
    monkeypatch.setattr(api_webhooks, "payments", fake)
    return calls


class Billing:
    """billing's web app with the webhook blueprint, served on loopback like the real process."""

    def __init__(self, rt):
        spec = dataclasses.replace(SPEC, blueprints=lambda: [api_webhooks.blp])
        self.app = create_service_app(spec, rt.config)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.gateways: dict = {}

    def url(self, gateway, org=ORG):
        return f"http://127.0.0.1:{self.server.server_port}/webhooks/{gateway}/{org}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def billing(make_runtime, monkeypatch, applied):
    b = Billing(make_runtime(SPEC, "sqlite", kafka_bootstrap="127.0.0.1:1"))
    monkeypatch.setattr(api_webhooks, "gateway_for", lambda rt, org_id, name: b.gateways.get(name))
    yield b
    b.close()


@pytest.fixture
def stripe(billing):
    with stripe_standin.StripeStandIn(webhook_url=billing.url("stripe")) as standin:
        billing.gateways["stripe"] = StripeGateway(StripeSettings(
            stripe_standin.DEFAULT_KEY, stripe_standin.DEFAULT_SECRET, api_base=standin.url))
        yield standin


@pytest.fixture
def paypal(billing):
    with paypal_standin.PayPalStandIn(webhook_url=billing.url("paypal")) as standin:
        billing.gateways["paypal"] = PayPalGateway(PayPalSettings(
            paypal_standin.DEFAULT_CLIENT_ID, paypal_standin.DEFAULT_CLIENT_SECRET, standin.webhook_id,
            api_base=standin.url))
        yield standin


def post(url, body, headers):
    return requests.post(url, data=body, headers=headers, timeout=30)


def test_the_webhook_routes_are_public_and_need_no_internal_token(billing):
    for endpoint in ("gateway_webhooks.stripe_webhook", "gateway_webhooks.paypal_webhook"):
        assert auth.declared(billing.app, endpoint, "POST") == auth.Access()
    assert requests.get(billing.url("stripe"), timeout=10).status_code == 405


def test_a_stripe_payment_reaches_apply_update_through_signed_webhooks(billing, stripe, applied):
    answer = billing.gateways["stripe"].start(pay_request())
    stripe.customer_acts(answer.reference, "pay")

    assert [(d.type, d.status) for d in stripe.deliveries] == [
        ("charge.succeeded", 200), ("payment_intent.succeeded", 200), ("checkout.session.completed", 200)]
    assert [(org, u.status, u.reference, u.payment_id) for org, u in applied] == [
        (ORG, "settled", answer.reference, "pay-1")] * 2
    assert applied[1][1].event_id == stripe.last_event("checkout.session.completed")["id"]


def test_a_forged_or_stale_stripe_webhook_is_a_400_problem_and_applies_nothing(billing, stripe, applied):
    stripe.hold = True
    answer = billing.gateways["stripe"].start(pay_request())
    stripe.customer_acts(answer.reference, "pay")
    event_id = stripe.last_event("checkout.session.completed")["id"]

    for kind in ({"forged": True}, {"stale": True}):
        delivery = stripe.send(event_id, **kind)
        assert delivery.status == 400
        answer_ = post(billing.url("stripe"), *stripe.signed(event_id, **kind))
        assert answer_.status_code == 400 and answer_.headers["Content-Type"].startswith(PROBLEM)
        assert answer_.json()["title"] == "Webhook refused"
    body, headers = stripe.signed(event_id)
    assert post(billing.url("stripe"), b"{not json", headers).status_code == 400
    assert post(billing.url("stripe"), body, {"Content-Type": "application/json"}).status_code == 400
    assert applied == []
    accepted = post(billing.url("stripe"), body, headers)
    assert accepted.status_code == 200 and len(applied) == 1
    assert accepted.json() == {"received": True, "applied": True, "outcome": "applied"}


def test_an_event_type_billing_does_not_act_on_is_answered_200_and_not_applied(billing, stripe, applied):
    event_id = stripe.inject_event("customer.created", {"id": "cus_1", "object": "customer"})
    delivery = stripe.delivery(event_id)
    assert delivery.status == 200 and applied == []
    answer = post(billing.url("stripe"), *stripe.signed(event_id))
    assert answer.json() == {"received": True, "applied": False}


def test_the_same_event_twice_and_out_of_order_are_all_passed_on_with_their_event_ids(billing, stripe, applied):
    stripe.hold = True
    answer = billing.gateways["stripe"].start(pay_request(method="bank_debit"))
    stripe.customer_acts(answer.reference, "pay")
    stripe.settle_bank_debit(answer.reference)
    held = stripe.release(order="reversed")                  # succeeded arrives before processing

    assert {d.status for d in held} == {200}
    assert [u.status for _, u in applied] == ["settled", "settled", "pending", "pending"]
    again = stripe.send(stripe.last_event("checkout.session.async_payment_succeeded")["id"])
    assert again.status == 200
    assert applied[-1][1] == applied[0][1]                   # same event_id: apply_update dedupes on it


def test_a_gateway_not_set_up_is_a_404(billing, applied):
    answer = post(billing.url("stripe"), b"{}", {"Stripe-Signature": "t=1,v1=00"})
    assert answer.status_code == 404 and answer.headers["Content-Type"].startswith(PROBLEM)


def test_a_paypal_payment_reaches_apply_update_and_forgeries_do_not(billing, paypal, applied):
    gateway = billing.gateways["paypal"]
    answer = gateway.start(pay_request())
    paypal.buyer_acts(answer.reference, "pay")
    assert applied == []                                      # approved only: nothing to apply yet
    assert [(d.type, d.status) for d in paypal.deliveries] == [("CHECKOUT.ORDER.APPROVED", 200)]

    assert gateway.capture(answer.reference).status == "settled"
    assert paypal.deliveries[-1].type == "PAYMENT.CAPTURE.COMPLETED" and paypal.deliveries[-1].status == 200
    [(org, update)] = applied
    assert (org, update.status, update.reference, update.payment_id) == (ORG, "settled", answer.reference, "pay-1")

    event_id = update.event_id
    for kind in ({"forged": True}, {"stale": True}):
        refused = paypal.send(event_id, **kind)
        assert refused.status == 400
    problem = post(billing.url("paypal"), *paypal.signed(event_id, forged=True))
    assert problem.headers["Content-Type"].startswith(PROBLEM) and problem.json()["status"] == 400
    assert len(applied) == 1
    assert paypal.send(event_id).status == 200 and applied[-1][1] == update


def test_a_paypal_refund_webhook_is_passed_on(billing, paypal, applied):
    gateway = billing.gateways["paypal"]
    answer = gateway.start(pay_request())
    paypal.buyer_acts(answer.reference, "pay")
    gateway.capture(answer.reference)
    gateway.refund(answer.reference, 2345, "EUR", "refund-1")
    assert paypal.deliveries[-1].status == 200
    assert (applied[-1][1].status, applied[-1][1].amount_minor, applied[-1][1].reference) == (
        "refunded", 2345, answer.reference)


def test_gateways_are_available_where_their_settings_are(monkeypatch, make_runtime):
    """Stripe and PayPal serve an org once the deployment's settings are there (the registry's
    built-ins); the simulated gateway has no webhooks of its own kind here."""
    rt = make_runtime(SPEC, "sqlite", kafka_bootstrap="127.0.0.1:1")       # its registry: rt.ports["gateways"]
    for name in ("STRIPE_SECRET_KEY", "PAYPAL_CLIENT_ID", "BILLING_STRIPE_SECRET_KEY", "BILLING_PAYPAL_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)

    def fresh():
        rt.ports["gateways"]._deployment.clear()
    fresh()
    assert api_webhooks.gateway_for(rt, ORG, "stripe") is None
    assert api_webhooks.gateway_for(rt, ORG, "paypal") is None
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_env")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_env")
    monkeypatch.setenv("PAYPAL_CLIENT_ID", "id")
    monkeypatch.setenv("PAYPAL_CLIENT_SECRET", "secret")
    monkeypatch.setenv("PAYPAL_WEBHOOK_ID", "WH1")
    fresh()
    try:
        assert isinstance(api_webhooks.gateway_for(rt, ORG, "stripe"), StripeGateway)
        assert api_webhooks.gateway_for(rt, ORG, "stripe") is rt.ports["gateways"].adapter(ORG, "stripe")
        assert isinstance(api_webhooks.gateway_for(rt, ORG, "paypal"), PayPalGateway)
        assert api_webhooks.gateway_for(rt, ORG, "bitcoin") is None
    finally:
        fresh()