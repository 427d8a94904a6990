"""The Stripe adapter: the real stripe SDK (16.1.0) talking HTTP to a local stand-in of Stripe's
documented API, and webhooks signed the documented way and verified with the SDK's own check."""
from __future__ import annotations

import json
import sys
import time

import pytest
import requests

from services.billing.adapters.stripe import (StripeGateway, StripeGatewayError, StripeSettings,
                                              from_stripe_amount, to_stripe_amount)
from services.billing.adapters.registry import stripe_settings
from services.billing.domain.payment_gateway import PaymentRequest, WebhookRefused
from services.chassis.config import Config
from tests.helpers.stripe_standin import DEFAULT_KEY, DEFAULT_SECRET, stripe_standin  # noqa: F401 (fixture)

RETURN = "http://portal.test/orgs/org-acme/payments/return?payment=p"


@pytest.fixture
def standin(stripe_standin):  # noqa: F811
    return stripe_standin


@pytest.fixture
def gateway(standin):
    return StripeGateway(StripeSettings(DEFAULT_KEY, DEFAULT_SECRET, api_base=standin.url))


def pay_request(payment_id="pay-1", method="card", amount_minor=12345, currency="EUR", **extra):
    return PaymentRequest(payment_id=payment_id, org_id="org-acme", customer_id="cust-1",
                          amount_minor=amount_minor, currency=currency, method=method,
                          description="Invoice INV-000123", return_url=RETURN, email="ann@bolt.test", **extra)


def updates(gateway, standin, start=0):
    """Every delivery the stand-in made since `start`, read by the adapter: [(type, update)]."""
    return [(d.type, gateway.parse_webhook(d.body, d.headers)) for d in standin.deliveries[start:]]


def test_start_creates_a_hosted_checkout_with_our_ids_in_minor_units(gateway, standin):
    answer = gateway.start(pay_request(metadata={"invoice_ids": "inv-1"}))

    assert answer.status == "initiated" and answer.reference.startswith("cs_")
    session = standin.state.sessions[answer.reference]
    assert answer.redirect_url == session["url"]
    assert session["mode"] == "payment" and session["currency"] == "eur" and session["amount_total"] == 12345
    assert session["metadata"] == {"invoice_ids": "inv-1", "payment_id": "pay-1", "org_id": "org-acme",
                                   "customer_id": "cust-1"}
    assert session["client_reference_id"] == "pay-1" and session["customer_email"] == "ann@bolt.test"
    assert session["payment_method_types"] == ["card"]
    assert standin.state.session_extras[answer.reference]["payment_intent_data"]["metadata"]["payment_id"] == "pay-1"
    assert session["success_url"] == RETURN + "&checkout=success&session_id={CHECKOUT_SESSION_ID}"
    assert session["cancel_url"] == RETURN + "&checkout=cancel&payment=pay-1"     # Stripe's names no session
    page = requests.get(answer.redirect_url, timeout=10)
    assert page.status_code == 200
    for button in ("Pay", "Decline", "Cancel"):
        assert f">{button}</button>" in page.text


def test_start_is_idempotent_on_the_payment_id(gateway, standin):
    first = gateway.start(pay_request())
    again = gateway.start(pay_request())
    other = gateway.start(pay_request(payment_id="pay-2"))

    assert again == first and other.reference != first.reference
    assert len(standin.state.sessions) == 2
    # The same key with other parameters is Stripe's idempotency_error, never a second checkout.
    with pytest.raises(StripeGatewayError) as refused:
        gateway.start(pay_request(amount_minor=999))
    assert not refused.value.retryable and len(standin.state.sessions) == 2


def test_pay_on_the_hosted_page_sends_webhooks_the_adapter_verifies_into_settled(gateway, standin):
    answer = gateway.start(pay_request())
    back = standin.customer_acts(answer.reference, "pay")

    assert back.status_code == 303
    assert back.headers["Location"] == RETURN + f"&checkout=success&session_id={answer.reference}"
    read = updates(gateway, standin)
    assert [t for t, _ in read] == ["charge.succeeded", "payment_intent.succeeded", "checkout.session.completed"]
    assert read[0][1] is None                                   # not a type billing acts on
    for _, update in read[1:]:
        assert (update.status, update.reference, update.payment_id) == ("settled", answer.reference, "pay-1")
        assert (update.amount_minor, update.currency) == (12345, "EUR")
    assert read[2][1].event_id == standin.last_event("checkout.session.completed")["id"]


def test_a_declined_card_can_be_retried_on_the_page_and_only_the_session_decides(gateway, standin):
    answer = gateway.start(pay_request())
    page = standin.customer_acts(answer.reference, "decline")
    assert page.status_code == 200 and "declined" in page.text

    # Still open: the customer may use another card, so the decline alone ends nothing ...
    [(kind, update)] = updates(gateway, standin)
    assert kind == "payment_intent.payment_failed" and update is None
    # ... and the second card goes through.
    standin.customer_acts(answer.reference, "pay")
    assert {u.status for _, u in updates(gateway, standin, 1) if u} == {"settled"}


def test_decline_then_cancel_fails_the_payment_when_the_checkout_is_expired(gateway, standin):
    answer = gateway.start(pay_request())
    standin.customer_acts(answer.reference, "decline")
    back = standin.customer_acts(answer.reference, "cancel")
    assert back.status_code == 303 and back.headers["Location"] == RETURN + "&checkout=cancel&payment=pay-1"

    gateway.cancel(answer.reference)               # a new attempt replaces it, or Stripe's 24 h run out
    read = dict(updates(gateway, standin, 1))
    expired = read["checkout.session.expired"]
    assert (expired.status, expired.failure_reason, expired.reference) == ("failed", "expired", answer.reference)
    assert read["payment_intent.canceled"].status == "failed"
    # The decline, delivered late now that the session is closed, reads as failed too.
    late = standin.deliveries_of("payment_intent.payment_failed")[0]
    failed = gateway.parse_webhook(*standin.signed(late.event_id))
    assert (failed.status, failed.failure_reason) == ("failed", "generic_decline")
    gateway.cancel(answer.reference)               # already expired: nothing to do, no error


def test_a_bank_debit_is_pending_then_settles(gateway, standin):
    answer = gateway.start(pay_request(method="bank_debit"))
    assert standin.state.sessions[answer.reference]["payment_method_types"] == ["sepa_debit"]
    standin.customer_acts(answer.reference, "pay")

    assert [(t, u.status) for t, u in updates(gateway, standin)] == [
        ("payment_intent.processing", "pending"), ("checkout.session.completed", "pending")]
    done = len(standin.deliveries)
    standin.settle_bank_debit(answer.reference)
    assert [(t, u.status) for t, u in updates(gateway, standin, done)] == [
        ("payment_intent.succeeded", "settled"), ("checkout.session.async_payment_succeeded", "settled")]


def test_a_bank_debit_that_bounces_fails_with_the_reason(gateway, standin):
    answer = gateway.start(pay_request(method="bank_debit", currency="USD"))
    assert standin.state.sessions[answer.reference]["payment_method_types"] == ["us_bank_account"]
    standin.customer_acts(answer.reference, "pay")
    done = len(standin.deliveries)
    standin.fail_bank_debit(answer.reference, code="insufficient_funds")

    read = dict(updates(gateway, standin, done))
    for kind in ("payment_intent.payment_failed", "checkout.session.async_payment_failed"):
        assert (read[kind].status, read[kind].failure_reason) == ("failed", "insufficient_funds")
        assert read[kind].reference == answer.reference and read[kind].payment_id == "pay-1"


def test_forged_stale_tampered_and_malformed_webhooks_are_refused(gateway, standin):
    answer = gateway.start(pay_request())
    standin.customer_acts(answer.reference, "pay")
    event_id = standin.last_event("checkout.session.completed")["id"]
    body, headers = standin.signed(event_id)
    assert gateway.parse_webhook(body, headers).status == "settled"

    with pytest.raises(WebhookRefused):
        gateway.parse_webhook(*standin.signed(event_id, forged=True))
    with pytest.raises(WebhookRefused):                     # signed 10 minutes ago: beyond 300 s
        gateway.parse_webhook(*standin.signed(event_id, stale=True))
    with pytest.raises(WebhookRefused):                     # the body changed after signing
        gateway.parse_webhook(body.replace(b'"paid"', b'"unpaid"'), headers)
    with pytest.raises(WebhookRefused):
        gateway.parse_webhook(body, {})
    with pytest.raises(WebhookRefused):
        gateway.parse_webhook(body, {"Stripe-Signature": "garbage"})
    junk = b'{"id": "evt_1", "type": '                      # signed with the right secret, not JSON
    with pytest.raises(WebhookRefused):
        gateway.parse_webhook(junk, {"Stripe-Signature": standin.signature_header(junk)})
    not_event = json.dumps({"object": "event", "hello": "world"}).encode()
    with pytest.raises(WebhookRefused):
        gateway.parse_webhook(not_event, {"Stripe-Signature": standin.signature_header(not_event)})
    # A header name in any case is found; a timestamp in the future is not refused (as in the SDK).
    future = standin.signature_header(body, timestamp=int(time.time()) + 60)
    assert gateway.parse_webhook(body, {"stripe-signature": future}).status == "settled"


def test_the_same_event_delivered_twice_reads_the_same(gateway, standin):
    answer = gateway.start(pay_request())
    standin.customer_acts(answer.reference, "pay")
    event_id = standin.last_event("payment_intent.succeeded")["id"]

    first = gateway.parse_webhook(*standin.signed(event_id))
    time.sleep(1.1)                                      # a redelivery is signed anew, later
    second = gateway.parse_webhook(*standin.signed(event_id))
    assert first == second and first.event_id == event_id


def test_events_read_the_same_in_any_order(gateway, standin):
    answer = gateway.start(pay_request(method="bank_debit"))
    standin.customer_acts(answer.reference, "pay")
    standin.settle_bank_debit(answer.reference)

    in_order = updates(gateway, standin)
    backwards = [(d.type, gateway.parse_webhook(d.body, d.headers)) for d in reversed(standin.deliveries)]
    assert sorted(in_order, key=lambda r: r[1].event_id) == sorted(backwards, key=lambda r: r[1].event_id)


def test_unknown_event_types_are_ignored(gateway, standin):
    event_id = standin.inject_event("customer.created", {"id": "cus_1", "object": "customer"})
    assert gateway.parse_webhook(*standin.signed(event_id)) is None
    # A PaymentIntent no checkout of ours made (another integration on the account) is not ours.
    stray = standin.inject_event("payment_intent.succeeded", {"id": "pi_other", "object": "payment_intent",
                                                              "amount": 100, "currency": "eur", "metadata": {}})
    assert gateway.parse_webhook(*standin.signed(stray)) is None


def test_refunds_partial_then_full_idempotent_by_key(gateway, standin):
    answer = gateway.start(pay_request())
    standin.customer_acts(answer.reference, "pay")
    done = len(standin.deliveries)

    first = gateway.refund(answer.reference, 5000, "EUR", "refund-1")
    assert first.startswith("re_") and gateway.refund(answer.reference, 5000, "EUR", "refund-1") == first
    second = gateway.refund(answer.reference, 7345, "EUR", "refund-2")
    assert second != first and len(standin.state.refunds) == 2

    refunded = [u for t, u in updates(gateway, standin, done) if t == "charge.refunded"]
    assert [(u.status, u.amount_minor) for u in refunded] == [("refunded", 5000), ("refunded", 12345)]
    assert {u.reference for u in refunded} == {answer.reference}
    with pytest.raises(StripeGatewayError) as too_much:
        gateway.refund(answer.reference, 1, "EUR", "refund-3")
    assert not too_much.value.retryable
    with pytest.raises(ValueError):
        gateway.refund(answer.reference, 1, "USD", "refund-4")


def test_nothing_to_refund_before_the_customer_paid(gateway, standin):
    answer = gateway.start(pay_request())
    with pytest.raises(StripeGatewayError) as refused:
        gateway.refund(answer.reference, 100, "EUR", "refund-1")
    assert refused.value.code == "not_paid"


def test_a_wrong_key_is_refused_and_not_retried(standin):
    wrong = StripeGateway(StripeSettings("sk_test_wrong", DEFAULT_SECRET, api_base=standin.url))
    with pytest.raises(StripeGatewayError) as refused:
        wrong.start(pay_request())
    assert not refused.value.retryable and standin.state.sessions == {}


def test_an_unreachable_stripe_is_a_retryable_error():
    gone = StripeGateway(StripeSettings(DEFAULT_KEY, DEFAULT_SECRET, api_base="http://127.0.0.1:9",
                                        max_network_retries=0, timeout_s=2))
    with pytest.raises(StripeGatewayError) as failed:
        gone.start(pay_request())
    assert failed.value.retryable


def test_settings_refuse_a_disabled_tolerance_and_read_the_environment():
    with pytest.raises(ValueError):
        StripeSettings(DEFAULT_KEY, DEFAULT_SECRET, webhook_tolerance_s=0)
    with pytest.raises(ValueError):
        StripeSettings(DEFAULT_KEY, "")
    assert stripe_settings(Config("billing", "sqlite://", env={})) is None
    settings = stripe_settings(Config("billing", "sqlite://", env={
        "STRIPE_SECRET_KEY": "sk_test_a", "STRIPE_WEBHOOK_SECRET": "whsec_a",
        "STRIPE_API_BASE": "http://127.0.0.1:12111", "BILLING_STRIPE_SECRET_KEY": "sk_test_b"}))
    assert (settings.secret_key, settings.webhook_secret, settings.api_base) == (
        "sk_test_b", "whsec_a", "http://127.0.0.1:12111")


def test_amounts_in_stripe_units(gateway, standin):
    assert to_stripe_amount(500, "JPY") == 500 and to_stripe_amount(12345, "EUR") == 12345
    assert to_stripe_amount(1230, "KWD") == 1230 and to_stripe_amount(5, "ISK") == 500
    with pytest.raises(ValueError):
        to_stripe_amount(1234, "KWD")                    # Stripe needs the last of three digits at 0
    assert from_stripe_amount(500, "jpy") == 500 and from_stripe_amount(500, "isk") == 5
    answer = gateway.start(pay_request(currency="JPY", amount_minor=500))
    assert standin.state.sessions[answer.reference]["amount_total"] == 500
    with pytest.raises(ValueError):
        gateway.start(pay_request(payment_id="pay-x", method="saved:pm_1"))
    with pytest.raises(ValueError):
        gateway.start(pay_request(payment_id="pay-y", method="bank_debit", currency="JPY"))


def test_the_stand_in_runs_alone_for_make_up_and_posts_signed_events(tmp_path):
    """`python -m tests.helpers.stripe_standin --port N --webhook-url URL --secret S`."""
    import socket
    import subprocess
    from tests.helpers.receiver import Receiver

    receiver = Receiver()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "tests.helpers.stripe_standin", "--port", str(port),
                                "--webhook-url", receiver.url, "--secret", "whsec_cli"],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert "stripe stand-in on" in process.stdout.readline()
        gateway = StripeGateway(StripeSettings(DEFAULT_KEY, "whsec_cli", api_base=f"http://127.0.0.1:{port}"))
        answer = gateway.start(pay_request())
        requests.post(answer.redirect_url, data={"action": "pay"}, allow_redirects=False, timeout=10)
        statuses = {gateway.parse_webhook(r["body"], r["headers"]).status
                    for r in receiver.requests if r["json"]["type"] != "charge.succeeded"}
        assert statuses == {"settled"}
    finally:
        process.terminate()
        process.wait(timeout=10)
        receiver.close()
