"""A payment through Stripe Checkout, end to end on billing's real payment core: the real
stripe SDK talks to the local stand-in of Stripe's API, the customer acts on the stand-in's
hosted page, and its signed webhooks reach billing over HTTP; the invoice shows paid once,
however often and in whatever order the events arrive. SQLite and PostgreSQL."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from services.billing.adapters.stripe import StripeGateway, StripeSettings
from services.billing.bootstrap import SPEC
from tests.integration.billing.test_payments import ORG, Billing
from tests.helpers import stripe_standin


@pytest.fixture
def served(make_runtime, db_kind):
    """billing on loopback (the stand-in posts its webhooks there) with Stripe for ORG."""
    billing = Billing(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))
    server = make_server("127.0.0.1", 0, billing.app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/webhooks/stripe/{ORG}"
    with stripe_standin.StripeStandIn(webhook_url=url) as standin:
        adapter = StripeGateway(StripeSettings(stripe_standin.DEFAULT_KEY, stripe_standin.DEFAULT_SECRET,
                                               api_base=standin.url))
        gateways = billing.app.extensions["portal"].ports["gateways"]
        gateways.register("stripe", lambda rt, org_id: adapter if org_id == ORG else None)
        try:
            yield billing, standin
        finally:
            gateways._factories.pop("stripe", None)
            server.shutdown()
            server.server_close()


def start(billing, invoice, method="card"):
    answer = billing.client.post(f"/orgs/{ORG}/customers/cust-1/payments", headers=billing.contact(), json={
        "invoices": [{"invoice_id": invoice["invoice_id"]}], "method": method, "gateway": "stripe",
        "return_url": "https://portal.example/invoices"})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def session_of(payment) -> str:
    return payment["redirect_url"].rstrip("/").rsplit("/", 1)[-1]


def test_a_card_paid_on_the_hosted_page_settles_the_invoice_once(served):
    billing, standin = served
    invoice = billing.invoice()
    payment = start(billing, invoice)
    assert payment["status"] == "initiated" and payment["redirect_url"].startswith(standin.url)
    assert billing.shown(invoice["invoice_id"])["status"] == "sent"
    standin.customer_acts(session_of(payment), "pay")
    assert billing.shown(invoice["invoice_id"])["status"] == "paid"
    assert len(billing.events("PaymentSettled")) == 1
    for delivery in list(standin.deliveries):                   # Stripe delivers again: nothing doubles
        standin.send(delivery.event_id)
    assert len(billing.events("PaymentSettled")) == 1
    assert billing.shown(invoice["invoice_id"])["amount_paid_minor"] == invoice["total_minor"]


def test_a_bank_debit_stays_pending_blocks_a_second_payment_and_fails_later(served):
    billing, standin = served
    invoice = billing.invoice()
    payment = start(billing, invoice, "bank_debit")
    standin.customer_acts(session_of(payment), "pay")
    assert [p["status"] for p in billing.shown(invoice["invoice_id"])["payments"]] == ["pending"]
    again = billing.client.post(f"/orgs/{ORG}/customers/cust-1/payments", headers=billing.contact(), json={
        "invoices": [{"invoice_id": invoice["invoice_id"]}], "method": "card", "gateway": "stripe",
        "return_url": "https://portal.example/invoices"})
    assert again.status_code == 409 and "still being processed" in again.get_json()["detail"]
    standin.fail_bank_debit(session_of(payment))
    assert billing.shown(invoice["invoice_id"])["payments"][0]["status"] == "failed"
    start(billing, invoice, "card")                            # paying is allowed again


def test_events_out_of_order_end_settled(served):
    billing, standin = served
    invoice = billing.invoice()
    payment = start(billing, invoice, "bank_debit")
    standin.hold = True
    standin.customer_acts(session_of(payment), "pay")          # completed, unpaid: processing
    standin.settle_bank_debit(session_of(payment))             # then succeeded
    standin.release(order="reversed")                          # succeeded arrives first
    assert billing.shown(invoice["invoice_id"])["status"] == "paid"
    assert billing.shown(invoice["invoice_id"])["payments"][0]["status"] == "settled"


def test_a_forged_webhook_changes_nothing(served):
    billing, standin = served
    invoice = billing.invoice()
    payment = start(billing, invoice)
    standin.hold = True
    standin.customer_acts(session_of(payment), "pay")
    [held] = [d for d in standin.deliveries if d.status is None][:1]
    forged = standin.send(held.event_id, forged=True)
    stale = standin.send(held.event_id, stale=True)
    assert forged.status == 400 and stale.status == 400
    assert billing.shown(invoice["invoice_id"])["status"] == "sent"
