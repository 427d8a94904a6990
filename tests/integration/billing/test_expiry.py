"""Abandoned payments expire (services/billing/handlers/expiry.py): a payment left `initiated` past
BILLING_INITIATED_TTL is failed as "expired" by one sweep (the clock injected), its invoice
payable again; a pending bank debit is never expired; a sweep run twice, or two at once,
fail it once. PayPal: an unapproved order expires the same way, an approved one is captured.
Stripe: its own `checkout.session.expired` fails the payment; the sweep leaves it alone.
SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from werkzeug.serving import make_server

from services.billing.handlers import expiry
from services.billing.adapters.simulated import SimulatedGateway, reference_for
from services.billing.adapters.stripe import StripeGateway, StripeSettings
from services.billing.bootstrap import SPEC
from services.billing.domain.payment_gateway import GatewayAnswer, PaymentRequest
from tests.integration.billing.test_paypal_flow import order_of, served, start  # noqa: F401 (fixture)
from tests.integration.billing.test_payments import ORG, Billing
from tests.helpers import stripe_standin

LATER = datetime.now(timezone.utc) + timedelta(hours=2)


class HostedPageNeverFinished(SimulatedGateway):
    """The simulated gateway with a hosted page the customer leaves open: the payment stays initiated."""

    def start(self, request: PaymentRequest) -> GatewayAnswer:
        return GatewayAnswer(reference_for(request.payment_id), "initiated", redirect_url="https://sim.example/pay")


@pytest.fixture
def billing(make_runtime, db_kind):
    return Billing(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


@pytest.fixture
def abandoned_page(billing):
    gateways = billing.app.extensions["portal"].ports["gateways"]
    gateways.register("simulated", lambda rt, org_id: HostedPageNeverFinished(rt.engine))
    yield
    gateways._factories.pop("simulated", None)


def failures(billing):
    return [e.data for e in billing.events("PaymentFailed")]


def test_an_abandoned_payment_expires_and_the_invoice_is_payable_again(billing, abandoned_page):
    invoice = billing.invoice()
    payment = billing.paid(invoice["invoice_id"])
    assert payment["status"] == "initiated"
    assert billing.pay(invoice["invoice_id"], method="bank_debit").status_code == 409       # the lock holds

    assert expiry.sweep(billing.rt, now=datetime.now(timezone.utc) + timedelta(minutes=30)) == 0   # not yet
    assert expiry.sweep(billing.rt, now=LATER) == 1
    shown = billing.shown(invoice["invoice_id"])
    assert [(p["payment_id"], p["status"]) for p in shown["payments"]] == [(payment["payment_id"], "failed")]
    [failed] = failures(billing)
    assert failed["reason"] == "expired" and billing.locks() == []
    gateways = billing.app.extensions["portal"].ports["gateways"]
    gateways._factories.pop("simulated", None)                      # the ordinary simulated gateway again
    assert billing.paid(invoice["invoice_id"])["status"] == "settled"


def test_the_ttl_comes_from_the_environment(billing, abandoned_page, monkeypatch):
    invoice = billing.invoice()
    billing.paid(invoice["invoice_id"])
    monkeypatch.setenv("BILLING_INITIATED_TTL", str(3 * 3600))
    assert expiry.sweep(billing.rt, now=LATER) == 0
    monkeypatch.setenv("BILLING_INITIATED_TTL", "600")
    assert expiry.sweep(billing.rt, now=LATER) == 1


def test_a_pending_bank_debit_is_never_expired(billing):
    invoice = billing.invoice()
    payment = billing.paid(invoice["invoice_id"], method="bank_debit")
    assert payment["status"] == "pending"
    assert expiry.sweep(billing.rt, now=LATER + timedelta(days=30)) == 0
    assert billing.shown(invoice["invoice_id"])["payments"][0]["status"] == "pending" and failures(billing) == []


def test_sweeping_twice_or_at_once_fails_it_once(billing, abandoned_page):
    first, second = billing.invoice(), billing.invoice()
    billing.paid(first["invoice_id"])
    billing.paid(second["invoice_id"])
    barrier, counts = threading.Barrier(2), []

    def run():
        barrier.wait()
        counts.append(expiry.sweep(billing.rt, now=LATER))
    threads = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert sum(counts) == 2 and len(failures(billing)) == 2
    assert expiry.sweep(billing.rt, now=LATER) == 0 and len(failures(billing)) == 2
    assert billing.locks() == []


def test_a_paypal_order_never_approved_expires_an_approved_one_is_captured(served):  # noqa: F811
    billing, standin = served
    left, approved = billing.invoice(), billing.invoice()
    start(billing, left)
    order = order_of(start(billing, approved))
    standin.buyer_acts(order, "pay")               # approved, but the return page never loaded
    assert expiry.sweep(billing.rt, now=LATER) == 1
    assert billing.shown(left["invoice_id"])["payments"][0]["status"] == "failed"
    assert [f["reason"] for f in failures(billing)] == ["expired"]
    assert billing.shown(approved["invoice_id"])["status"] == "paid" and len(standin.captures) == 1


@pytest.fixture
def stripe_served(billing):
    server = make_server("127.0.0.1", 0, billing.app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/webhooks/stripe/{ORG}"
    with stripe_standin.StripeStandIn(webhook_url=url) as standin:
        adapter = StripeGateway(StripeSettings(stripe_standin.DEFAULT_KEY, stripe_standin.DEFAULT_SECRET,
                                               api_base=standin.url))
        gateways = billing.app.extensions["portal"].ports["gateways"]
        gateways.register("stripe", lambda rt, org_id: adapter if org_id == ORG else None)
        try:
            yield standin
        finally:
            gateways._factories.pop("stripe", None)
            server.shutdown()
            server.server_close()


def test_stripe_checkout_expiry_fails_the_payment_and_the_sweep_leaves_it_to_stripe(billing, stripe_served):
    invoice = billing.invoice()
    answer = billing.client.post(f"/orgs/{ORG}/customers/cust-1/payments", headers=billing.contact(), json={
        "invoices": [{"invoice_id": invoice["invoice_id"]}], "method": "card", "gateway": "stripe",
        "return_url": "https://portal.example/invoices"})
    payment = answer.get_json()
    assert expiry.sweep(billing.rt, now=LATER) == 0                 # Stripe's session lives 24 h
    assert billing.shown(invoice["invoice_id"])["payments"][0]["status"] == "initiated"
    stripe_served.expire_session(payment["redirect_url"].rstrip("/").rsplit("/", 1)[-1])
    assert billing.shown(invoice["invoice_id"])["payments"][0]["status"] == "failed"
    assert [f["reason"] for f in failures(billing)] == ["expired"] and billing.locks() == []


def test_the_worker_runs_the_sweep(billing, abandoned_page, monkeypatch):
    invoice = billing.invoice()
    billing.paid(invoice["invoice_id"])
    monkeypatch.setenv("BILLING_INITIATED_TTL", "1")
    monkeypatch.setenv("BILLING_EXPIRY_SWEEP_S", "0.05")
    [loop] = [fn for fn in SPEC.background() if fn is expiry.loop]
    stop = threading.Event()
    worker = threading.Thread(target=loop, args=(billing.rt, stop))
    worker.start()
    try:
        for _ in range(400):                          # the payment is expired by the loop, not by us
            if failures(billing) or stop.wait(0.05):
                break
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive() and [f["reason"] for f in failures(billing)] == ["expired"]
