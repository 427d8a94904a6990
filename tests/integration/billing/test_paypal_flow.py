"""A PayPal payment end to end on billing's real payment core: the PayPal adapter talks to
the local stand-in of PayPal's REST API, the buyer approves on the stand-in's page and comes
back to the return URL, where billing captures the order (POST .../payments/gateway-return);
the capture's signed webhook reaches billing over HTTP too. The invoice is paid once, however
often the buyer comes back and whichever of return and webhook arrives first; a cancel fails
the payment and frees the invoice. SQLite and PostgreSQL."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from services.billing.adapters.paypal import PayPalGateway, PayPalSettings
from services.billing.bootstrap import SPEC
from tests.integration.billing.test_payments import ORG, Billing
from tests.helpers import paypal_standin

RETURN = "https://portal.example/payments/return"


@pytest.fixture
def served(make_runtime, db_kind):
    """billing on loopback (the stand-in posts its webhooks there) with PayPal for ORG."""
    billing = Billing(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))
    server = make_server("127.0.0.1", 0, billing.app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/webhooks/paypal/{ORG}"
    with paypal_standin.PayPalStandIn(webhook_url=url) as standin:
        adapter = PayPalGateway(PayPalSettings(paypal_standin.DEFAULT_CLIENT_ID, paypal_standin.DEFAULT_CLIENT_SECRET,
                                               standin.webhook_id, api_base=standin.url))
        # the app's registry, and the runtime's that a sweep uses (test_expiry)
        registries = (billing.rt.ports["gateways"], billing.app.extensions["portal"].ports["gateways"])
        for gateways in registries:
            gateways.register("paypal", lambda rt, org_id: adapter if org_id == ORG else None)
        try:
            yield billing, standin
        finally:
            for gateways in registries:
                gateways._factories.pop("paypal", None)
            server.shutdown()
            server.server_close()


def start(billing, invoice, method="card"):
    answer = billing.client.post(f"/orgs/{ORG}/customers/cust-1/payments", headers=billing.contact(), json={
        "invoices": [{"invoice_id": invoice["invoice_id"]}], "method": method, "gateway": "paypal",
        "return_url": RETURN})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def order_of(payment) -> str:
    return payment["redirect_url"].split("token=", 1)[1].split("&", 1)[0]


def come_back(billing, order_id, cancelled=False, customer_id="cust-1"):
    return billing.client.post(f"/orgs/{ORG}/customers/{customer_id}/payments/gateway-return",
                               headers=billing.contact(customer_id),
                               json={"gateway": "paypal", "reference": order_id, "cancelled": cancelled})


def test_approved_then_back_captures_and_the_invoice_is_paid(served):
    billing, standin = served
    invoice = billing.invoice()
    payment = start(billing, invoice)
    back = standin.buyer_acts(order_of(payment), "pay")
    assert back.headers["Location"].startswith(f"{RETURN}?checkout=success&token={order_of(payment)}")
    answer = come_back(billing, order_of(payment))
    assert answer.status_code == 200 and answer.get_json()["status"] == "settled"
    assert answer.get_json()["payment_id"] == payment["payment_id"]
    assert billing.shown(invoice["invoice_id"])["status"] == "paid"
    assert len(standin.captures) == 1 and len(billing.events("PaymentSettled")) == 1


def test_coming_back_twice_captures_once(served):
    billing, standin = served
    invoice = billing.invoice()
    order = order_of(start(billing, invoice))
    standin.buyer_acts(order, "pay")
    assert come_back(billing, order).get_json()["status"] == "settled"
    assert come_back(billing, order).get_json()["status"] == "settled"         # the page reloaded
    assert len(standin.captures) == 1 and len(billing.events("PaymentSettled")) == 1
    assert billing.shown(invoice["invoice_id"])["amount_paid_minor"] == invoice["total_minor"]


def test_the_webhook_first_then_the_return_doubles_nothing(served):
    billing, standin = served
    invoice = billing.invoice()
    payment = start(billing, invoice)
    order = order_of(payment)
    standin.buyer_acts(order, "pay")
    standin.hold = True
    assert come_back(billing, order).get_json()["status"] == "settled"
    standin.release()                              # PAYMENT.CAPTURE.COMPLETED arrives after the return
    assert len(billing.events("PaymentSettled")) == 1

    second = billing.invoice()
    order = order_of(start(billing, second))
    standin.buyer_acts(order, "pay")
    PayPalGateway(PayPalSettings(paypal_standin.DEFAULT_CLIENT_ID, paypal_standin.DEFAULT_CLIENT_SECRET,
                                 standin.webhook_id, api_base=standin.url)).capture(order)   # an earlier return, lost
    assert billing.shown(second["invoice_id"])["status"] == "paid"             # the webhook settled it first
    assert come_back(billing, order).get_json()["status"] == "settled"
    assert len(billing.events("PaymentSettled")) == 2
    assert billing.shown(second["invoice_id"])["amount_paid_minor"] == second["total_minor"]


def test_a_declined_capture_fails_the_payment_and_frees_the_invoice(served):
    billing, standin = served
    invoice = billing.invoice()
    order = order_of(start(billing, invoice))
    standin.buyer_acts(order, "decline")
    answer = come_back(billing, order).get_json()
    assert answer["status"] == "failed" and answer["failure_reason"] == "declined"
    assert billing.shown(invoice["invoice_id"])["status"] == "sent" and billing.locks() == []
    start(billing, invoice)                        # paying is open again


def test_an_instrument_declined_at_capture_fails_the_payment(served):
    billing, standin = served
    invoice = billing.invoice()
    order = order_of(start(billing, invoice))
    standin.approve(order, "instrument_declined")
    answer = come_back(billing, order).get_json()
    assert (answer["status"], answer["failure_reason"]) == ("failed", "instrument_declined")
    assert standin.captures == {}


def test_cancel_fails_the_payment_and_nothing_is_captured_later(served):
    billing, standin = served
    invoice = billing.invoice()
    payment = start(billing, invoice)
    order = order_of(payment)
    back = standin.buyer_acts(order, "cancel")
    assert "checkout=cancel" in back.headers["Location"]
    answer = come_back(billing, order, cancelled=True).get_json()
    assert (answer["status"], answer["failure_reason"]) == ("failed", "cancelled")
    assert billing.locks() == [] and len(billing.events("PaymentFailed")) == 1
    assert come_back(billing, order, cancelled=True).get_json()["status"] == "failed"   # again: nothing more
    assert len(billing.events("PaymentFailed")) == 1
    standin.buyer_acts(order, "pay")               # the old page approved after all, in another tab
    assert come_back(billing, order).get_json()["status"] == "failed"
    assert standin.captures == {}                  # never captured: no money taken for a failed payment


def test_not_approved_yet_changes_nothing(served):
    billing, standin = served
    invoice = billing.invoice()
    order = order_of(start(billing, invoice))
    assert come_back(billing, order).get_json()["status"] == "initiated"
    assert standin.captures == {}


def test_another_customers_order_is_not_found(served):
    billing, standin = served
    order = order_of(start(billing, billing.invoice()))
    standin.buyer_acts(order, "pay")
    assert come_back(billing, order, customer_id="cust-2").status_code == 404
    assert standin.captures == {}
    assert come_back(billing, "NOSUCHORDER").status_code == 404
