"""The PayPal adapter: Orders v2 over real HTTP (requests) against a local stand-in of PayPal's
documented REST API, webhooks signed with PayPal's headers and checked through its
verify-webhook-signature endpoint."""
from __future__ import annotations

import json

import pytest
import requests

from services.billing.adapters.paypal import (PayPalGateway, PayPalGatewayError, PayPalSettings,
                                              from_paypal_value, to_paypal_value)
from services.billing.adapters.registry import paypal_settings
from services.billing.domain.payment_gateway import PaymentRequest, WebhookRefused
from services.chassis.config import Config
from tests.helpers.paypal_standin import (DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET,  # noqa: F401 (fixture)
                                         paypal_standin)

RETURN = "http://portal.test/orgs/org-acme/payments/paypal/return"


@pytest.fixture
def standin(paypal_standin):  # noqa: F811
    return paypal_standin


@pytest.fixture
def gateway(standin):
    return PayPalGateway(PayPalSettings(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, standin.webhook_id,
                                        api_base=standin.url))


def pay_request(payment_id="pay-1", amount_minor=12345, currency="EUR", method="card"):
    return PaymentRequest(payment_id=payment_id, org_id="org-acme", customer_id="cust-1",
                          amount_minor=amount_minor, currency=currency, method=method,
                          description="Invoice INV-000123", return_url=RETURN)


def read(gateway, standin, type_):
    return [gateway.parse_webhook(d.body, d.headers) for d in standin.deliveries_of(type_)]


def capture_id(standin, order_id):
    return standin.orders[order_id]["purchase_units"][0]["payments"]["captures"][-1]["id"]


def test_start_creates_an_order_with_our_ids_and_the_approval_link(gateway, standin):
    answer = gateway.start(pay_request())

    assert answer.status == "initiated" and answer.redirect_url == standin.approval_url(answer.reference)
    order = standin.orders[answer.reference]
    assert order["intent"] == "CAPTURE" and order["status"] == "PAYER_ACTION_REQUIRED"
    unit = order["purchase_units"][0]
    assert unit["amount"] == {"currency_code": "EUR", "value": "123.45"}
    assert unit["custom_id"] == unit["invoice_id"] == "pay-1"
    assert standin._contexts[answer.reference]["return_url"] == RETURN + "?checkout=success"
    page = requests.get(answer.redirect_url, timeout=10)
    assert page.status_code == 200
    for button in ("Pay", "Decline", "Cancel"):
        assert f">{button}</button>" in page.text


def test_start_is_idempotent_on_the_payment_id_and_the_token_is_reused(gateway, standin):
    first = gateway.start(pay_request())
    assert gateway.start(pay_request()) == first
    other = gateway.start(pay_request(payment_id="pay-2"))
    assert other.reference != first.reference and len(standin.orders) == 2
    assert standin.token_requests == 1


def test_an_expired_token_is_renewed_once(gateway, standin):
    gateway.start(pay_request())
    standin.expire_tokens()
    gateway.start(pay_request(payment_id="pay-2"))
    assert standin.token_requests == 2


def test_wrong_credentials_are_refused(standin):
    wrong = PayPalGateway(PayPalSettings(DEFAULT_CLIENT_ID, "wrong", standin.webhook_id, api_base=standin.url))
    with pytest.raises(PayPalGatewayError) as refused:
        wrong.start(pay_request())
    assert refused.value.status == 401 and not refused.value.retryable


def test_pay_then_capture_on_return_settles_and_the_webhook_agrees(gateway, standin):
    answer = gateway.start(pay_request())
    assert gateway.capture(answer.reference) is None            # not approved yet: nothing to take

    back = standin.buyer_acts(answer.reference, "pay")
    assert back.status_code == 303
    assert back.headers["Location"] == (f"{RETURN}?checkout=success&token={answer.reference}"
                                        "&PayerID=STANDINPAYER1")
    settled = gateway.capture(answer.reference)
    assert (settled.status, settled.reference, settled.payment_id) == ("settled", answer.reference, "pay-1")
    assert (settled.amount_minor, settled.currency) == (12345, "EUR")
    assert gateway.capture(answer.reference) == settled          # the return page reloaded: same capture
    assert len(standin.captures) == 1

    assert read(gateway, standin, "CHECKOUT.ORDER.APPROVED") == [None]
    [hook] = read(gateway, standin, "PAYMENT.CAPTURE.COMPLETED")
    assert (hook.status, hook.reference, hook.payment_id, hook.amount_minor) == ("settled", answer.reference,
                                                                                  "pay-1", 12345)
    assert hook.event_id == standin.last_event("PAYMENT.CAPTURE.COMPLETED")["id"]


def test_a_capture_without_its_request_id_still_answers_the_one_capture(gateway, standin):
    answer = gateway.start(pay_request())
    standin.buyer_acts(answer.reference, "pay")
    first = gateway.capture(answer.reference)
    standin.requests_by_id.clear()                               # PayPal forgot the request id
    assert gateway.capture(answer.reference) == first and len(standin.captures) == 1


def test_decline_fails_the_payment(gateway, standin):
    answer = gateway.start(pay_request())
    standin.buyer_acts(answer.reference, "decline")

    failed = gateway.capture(answer.reference)
    assert (failed.status, failed.failure_reason) == ("failed", "declined")
    [hook] = read(gateway, standin, "PAYMENT.CAPTURE.DECLINED")
    assert (hook.status, hook.reference, hook.payment_id) == ("failed", answer.reference, "pay-1")


def test_an_instrument_declined_at_capture_fails_the_payment(gateway, standin):
    answer = gateway.start(pay_request())
    standin.approve(answer.reference, "instrument_declined")
    failed = gateway.capture(answer.reference)
    assert (failed.status, failed.failure_reason, failed.reference) == ("failed", "instrument_declined",
                                                                       answer.reference)


def test_cancel_sends_the_buyer_back_and_nothing_is_captured(gateway, standin):
    answer = gateway.start(pay_request())
    back = standin.buyer_acts(answer.reference, "cancel")
    assert back.headers["Location"] == f"{RETURN}?checkout=cancel&token={answer.reference}"
    assert gateway.capture(answer.reference) is None and standin.captures == {}


def test_a_bank_payment_is_pending_then_settles(gateway, standin):
    answer = gateway.start(pay_request())
    standin.buyer_acts(answer.reference, "echeck")
    pending = gateway.capture(answer.reference)
    assert pending.status == "pending"
    assert [u.status for u in read(gateway, standin, "PAYMENT.CAPTURE.PENDING")] == ["pending"]

    standin.settle_echeck(capture_id(standin, answer.reference))
    [settled] = read(gateway, standin, "PAYMENT.CAPTURE.COMPLETED")
    assert (settled.status, settled.reference, settled.payment_id) == ("settled", answer.reference, "pay-1")


def test_a_bank_payment_that_is_denied_fails(gateway, standin):
    answer = gateway.start(pay_request())
    standin.buyer_acts(answer.reference, "echeck")
    gateway.capture(answer.reference)
    standin.deny_echeck(capture_id(standin, answer.reference))
    [denied] = read(gateway, standin, "PAYMENT.CAPTURE.DENIED")
    assert (denied.status, denied.reference, denied.failure_reason) == ("failed", answer.reference, "denied")


def test_forged_stale_tampered_and_malformed_webhooks_are_refused(gateway, standin):
    answer = gateway.start(pay_request())
    standin.buyer_acts(answer.reference, "pay")
    gateway.capture(answer.reference)
    event_id = standin.last_event("PAYMENT.CAPTURE.COMPLETED")["id"]
    body, headers = standin.signed(event_id)
    assert gateway.parse_webhook(body, headers).status == "settled"

    with pytest.raises(WebhookRefused):                  # signed by another key
        gateway.parse_webhook(*standin.signed(event_id, forged=True))
    with pytest.raises(WebhookRefused):                  # sent 10 minutes ago
        gateway.parse_webhook(*standin.signed(event_id, stale=True))
    with pytest.raises(WebhookRefused):                  # the body changed after signing
        gateway.parse_webhook(body.replace(b'"123.45"', b'"1.00"'), headers)
    with pytest.raises(WebhookRefused):                  # another webhook's id (another account)
        PayPalGateway(PayPalSettings(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, "OTHERWEBHOOK",
                                     api_base=standin.url)).parse_webhook(body, headers)
    with pytest.raises(WebhookRefused):
        gateway.parse_webhook(body, {k: v for k, v in headers.items() if k != "PAYPAL-TRANSMISSION-SIG"})
    with pytest.raises(WebhookRefused):
        gateway.parse_webhook(b'{"id": "WH-1", "event_type": ', headers)
    with pytest.raises(WebhookRefused):
        gateway.parse_webhook(json.dumps({"hello": "world"}).encode(), headers)
    with pytest.raises(WebhookRefused):
        gateway.parse_webhook(body, {**headers, "PAYPAL-TRANSMISSION-TIME": "yesterday"})
    # Header names in any case are found.
    assert gateway.parse_webhook(body, {k.lower(): v for k, v in headers.items()}).status == "settled"


def test_the_same_event_delivered_twice_reads_the_same(gateway, standin):
    answer = gateway.start(pay_request())
    standin.buyer_acts(answer.reference, "pay")
    gateway.capture(answer.reference)
    event_id = standin.last_event("PAYMENT.CAPTURE.COMPLETED")["id"]
    first = gateway.parse_webhook(*standin.signed(event_id))
    second = gateway.parse_webhook(*standin.signed(event_id))       # a new transmission of the same event
    assert first == second and first.event_id == event_id


def test_unknown_event_types_are_ignored(gateway, standin):
    event_id = standin.inject_event("CUSTOMER.DISPUTE.CREATED", "dispute", {"dispute_id": "PP-D-1"})
    assert gateway.parse_webhook(*standin.signed(event_id)) is None


def test_refunds_partial_then_full_idempotent_by_key(gateway, standin):
    answer = gateway.start(pay_request())
    standin.buyer_acts(answer.reference, "pay")
    gateway.capture(answer.reference)

    first = gateway.refund(answer.reference, 5000, "EUR", "refund-1")
    assert gateway.refund(answer.reference, 5000, "EUR", "refund-1") == first
    second = gateway.refund(answer.reference, 7345, "EUR", "refund-2")
    assert second != first and len(standin.refunds) == 2

    refunded = read(gateway, standin, "PAYMENT.CAPTURE.REFUNDED")
    assert [(u.status, u.amount_minor, u.reference, u.payment_id) for u in refunded] == [
        ("refunded", 5000, answer.reference, "pay-1"), ("refunded", 12345, answer.reference, "pay-1")]
    with pytest.raises(PayPalGatewayError) as nothing_left:
        gateway.refund(answer.reference, 1, "EUR", "refund-3")
    assert nothing_left.value.issue == "CAPTURE_FULLY_REFUNDED" and not nothing_left.value.retryable


def test_a_refund_above_the_capture_is_refused(gateway, standin):
    answer = gateway.start(pay_request())
    standin.buyer_acts(answer.reference, "pay")
    gateway.capture(answer.reference)
    with pytest.raises(PayPalGatewayError) as refused:
        gateway.refund(answer.reference, 20000, "EUR", "refund-1")
    assert refused.value.issue == "REFUND_AMOUNT_EXCEEDED"
    with pytest.raises(ValueError):
        gateway.refund(answer.reference, 100, "USD", "refund-2")


def test_nothing_to_refund_before_the_capture(gateway, standin):
    answer = gateway.start(pay_request())
    with pytest.raises(PayPalGatewayError) as refused:
        gateway.refund(answer.reference, 100, "EUR", "refund-1")
    assert refused.value.issue == "NOT_PAID"


def test_an_unreachable_paypal_is_a_retryable_error():
    gone = PayPalGateway(PayPalSettings(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, "WH", api_base="http://127.0.0.1:9",
                                        timeout_s=2, max_retries=0))
    with pytest.raises(PayPalGatewayError) as failed:
        gone.start(pay_request())
    assert failed.value.retryable


def test_amounts_in_paypal_values(gateway, standin):
    assert to_paypal_value(12345, "EUR") == "123.45" and to_paypal_value(5, "EUR") == "0.05"
    assert to_paypal_value(500, "JPY") == "500" and to_paypal_value(150000, "HUF") == "1500"
    with pytest.raises(ValueError):
        to_paypal_value(150050, "HUF")                   # PayPal takes forints in whole units
    assert from_paypal_value("123.45", "EUR") == 12345 and from_paypal_value("1500", "HUF") == 150000
    answer = gateway.start(pay_request(currency="JPY", amount_minor=500))
    assert standin.orders[answer.reference]["purchase_units"][0]["amount"]["value"] == "500"
    with pytest.raises(ValueError):
        gateway.start(pay_request(payment_id="pay-x", method="saved:B-1"))


def test_settings_read_the_environment():
    assert paypal_settings(Config("billing", "sqlite://", env={})) is None
    settings = paypal_settings(Config("billing", "sqlite://", env={
        "PAYPAL_CLIENT_ID": "id", "PAYPAL_CLIENT_SECRET": "secret",
        "PAYPAL_WEBHOOK_ID": "WH1", "PAYPAL_API_BASE": "http://127.0.0.1:12112"}))
    assert (settings.client_id, settings.webhook_id, settings.api_base) == ("id", "WH1", "http://127.0.0.1:12112")
    assert paypal_settings(Config("billing", "sqlite://", env={
        "PAYPAL_CLIENT_ID": "id", "PAYPAL_CLIENT_SECRET": "s", "PAYPAL_WEBHOOK_ID": "W"})).api_base.startswith(
        "https://api-m.sandbox.")
    with pytest.raises(ValueError):
        PayPalSettings("id", "secret", "")


def test_the_stand_in_runs_alone_for_make_up_and_posts_signed_events():
    """`python -m tests.helpers.paypal_standin --port N --webhook-url URL --webhook-id ID`."""
    import socket
    import subprocess
    import sys
    from tests.helpers.receiver import Receiver

    receiver = Receiver()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "tests.helpers.paypal_standin", "--port", str(port),
                                "--webhook-url", receiver.url, "--webhook-id", "WHCLI1"],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert "paypal stand-in on" in process.stdout.readline()
        gateway = PayPalGateway(PayPalSettings(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, "WHCLI1",
                                               api_base=f"http://127.0.0.1:{port}"))
        answer = gateway.start(pay_request())
        requests.post(answer.redirect_url, data={"action": "pay"}, allow_redirects=False, timeout=10)
        assert gateway.capture(answer.reference).status == "settled"
        read = [gateway.parse_webhook(r["body"], r["headers"]) for r in receiver.requests]
        assert [u.status if u else None for u in read] == [None, "settled"]
    finally:
        process.terminate()
        process.wait(timeout=10)
        receiver.close()
