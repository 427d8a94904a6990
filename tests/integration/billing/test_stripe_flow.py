"""A payment through Stripe Checkout, end to end on billing's real payment core: the real
stripe SDK talks to the local stand-in of Stripe's API, the customer acts on the stand-in's
hosted page, and its signed webhooks reach billing over HTTP; the invoice shows paid once,
however often and in whatever order the events arrive. SQLite and PostgreSQL."""
from __future__ import annotations

import threading
import time

import pytest
from werkzeug.serving import make_server

from services.billing.adapters.stripe import StripeGateway, StripeSettings
from services.billing.bootstrap import SPEC
from services.billing.domain.commands import RefundPayment
from services.billing.domain.payment import Payment
from services.billing.handlers import refunds
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


def test_a_checkout_session_lives_as_long_as_billing_holds_the_invoice_not_a_day(make_runtime, db_kind):
    """Stripe's default session lives 24 h: the invoice would stay held, or be paid at Stripe
    after billing gave the payment up (BILLING_INITIATED_TTL, default 1 h)."""
    with stripe_standin.StripeStandIn(webhook_url="http://127.0.0.1:9/unused") as standin:
        env = {"BILLING_SIMULATED_GATEWAY": "on", "STRIPE_SECRET_KEY": stripe_standin.DEFAULT_KEY,
               "STRIPE_WEBHOOK_SECRET": stripe_standin.DEFAULT_SECRET, "STRIPE_API_BASE": standin.url}
        for extra, lives in (({}, 3600), ({"BILLING_INITIATED_TTL": "7200"}, 7200),
                             ({"BILLING_INITIATED_TTL": "60"}, 1800)):    # Stripe's least: 30 min
            billing = Billing(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1", env={**env, **extra}))
            before = int(time.time())
            session = standin.state.sessions[session_of(start(billing, billing.invoice()))]
            assert before + lives <= session["expires_at"] <= int(time.time()) + lives


def cancel(billing, payment):
    """The customer back through Stripe's cancel URL (the portal POSTs it to billing)."""
    return billing.client.post(f"/orgs/{ORG}/customers/cust-1/payments/gateway-return", headers=billing.contact(),
                               json={"gateway": "stripe", "payment_id": payment["payment_id"], "cancelled": True})


def test_a_cancel_that_races_a_completed_payment_settles_it_never_fails_it(served):
    """Issue 14, case 2: the customer paid at Stripe, and a cancel (another tab, or anyone
    with a payment link's cancel URL) arrives before Stripe's webhook: the money is the
    customer's, so the payment settles from the session's real state."""
    billing, standin = served
    invoice = billing.invoice()
    payment = start(billing, invoice)
    standin.hold = True                                        # the webhooks are late
    standin.customer_acts(session_of(payment), "pay")
    answer = cancel(billing, payment)
    assert answer.status_code == 200 and answer.get_json()["status"] == "settled"
    assert billing.events("PaymentFailed") == []
    assert billing.shown(invoice["invoice_id"])["status"] == "paid"
    standin.release()                                          # then they arrive: nothing doubles
    assert len(billing.events("PaymentSettled")) == 1
    assert billing.shown(invoice["invoice_id"])["amount_paid_minor"] == invoice["total_minor"]


def paid_after_billing_gave_up(billing, standin):
    """The customer pays at Stripe while billing gives the payment up (an expiry); Stripe's
    webhooks are held until the test releases them."""
    invoice = billing.invoice()
    payment = start(billing, invoice)
    standin.hold = True
    standin.customer_acts(session_of(payment), "pay")
    with billing.rt.store.unit_of_work() as uow:
        lost = uow.load(Payment, payment["payment_id"], ORG)
        lost.fail("expired", "Not finished in time.")
        uow.add(lost)
        uow.commit()
    return invoice, payment


def test_a_settlement_after_a_failure_pays_the_invoice_that_still_owes_it(served):
    billing, standin = served
    invoice, payment = paid_after_billing_gave_up(billing, standin)
    standin.release()
    [settled] = billing.events("PaymentSettled")
    assert settled.data["after_failure"] is True
    assert billing.shown(invoice["invoice_id"])["status"] == "paid"


def test_money_that_arrives_after_the_invoice_was_paid_another_way_is_kept_for_staff(served):
    billing, standin = served
    invoice, payment = paid_after_billing_gave_up(billing, standin)
    offline = billing.staff_post("/payments/offline", {"customer_id": "cust-1", "method": "bank_transfer",
                                                       "invoices": [{"invoice_id": invoice["invoice_id"]}]})
    assert offline.status_code == 201, offline.get_json()
    standin.release()
    [late] = billing.events("PaymentReceivedAfterFailure")
    assert late.data["payment_id"] == payment["payment_id"] and late.data["amount_minor"] == invoice["total_minor"]
    assert len(billing.events("PaymentSettled")) == 1                    # the offline one only
    shown = billing.shown(invoice["invoice_id"])
    assert (shown["status"], shown["amount_paid_minor"]) == ("paid", invoice["total_minor"])   # not twice
    mine = billing.client.get(f"/orgs/{ORG}/customers/cust-1/payments/{payment['payment_id']}",
                              headers=billing.contact())
    assert mine.get_json()["status"] == "received_late"


# --- refunds (issue 14, case 3) ---------------------------------------------------------------

def settled(billing, standin):
    invoice = billing.invoice()
    payment = start(billing, invoice)
    standin.customer_acts(session_of(payment), "pay")
    assert billing.shown(invoice["invoice_id"])["status"] == "paid"
    return invoice, payment["payment_id"]


def ask_refund(billing, payment_id, amount_minor, request_id="form-7f3a9c1e"):
    return billing.app.test_client().post(f"/orgs/{ORG}/payments/{payment_id}/refund", headers=billing.staff,
                                          json={"amount_minor": amount_minor, "request_id": request_id})


def test_the_same_refund_request_twice_at_once_refunds_once(served):
    """Staff pressed Refund, the page took long, they pressed again: one refund of the money."""
    billing, standin = served
    invoice, payment_id = settled(billing, standin)
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(ask_refund(billing, payment_id, 5000)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {a.status_code for a in answers} <= {200, 503} and 200 in {a.status_code for a in answers}
    assert ask_refund(billing, payment_id, 5000).status_code == 200           # and once more, later
    assert [r["amount"] for r in standin.state.refunds.values()] == [5000]
    assert len(billing.events("PaymentRefunded")) == 1
    shown = billing.shown(invoice["invoice_id"])
    assert shown["payments"][0]["refunded_minor"] == 5000
    assert ask_refund(billing, payment_id, 5000, request_id="another-form-8e21").status_code == 200
    assert len(standin.state.refunds) == 2                                   # a new form is a new refund


def test_a_refund_the_gateway_made_before_billing_crashed_is_recorded_once_by_the_worker(served):
    billing, standin = served
    invoice, payment_id = settled(billing, standin)
    cmd = RefundPayment(ORG, payment_id, 3000, "Charged back", request_id="form-crash-001", reopen_invoice=True)
    rt = billing.app.extensions["portal"]                                    # the app's runtime: its ports
    refund_id = refunds.refund_id_for(cmd)
    payment, _ = refunds._reserve(rt, cmd, refund_id)                        # reserved, then asked...
    gateway = rt.ports["gateways"].adapter(ORG, "stripe")
    gateway.refund(payment.gateway_reference, 3000, "EUR", idempotency_key=refund_id)
    # ... and the process died before recording it. Stripe's webhooks arrive: asked, so not doubled
    assert billing.events("PaymentRefunded") == []
    assert refunds.finish_stuck(rt, older_than_s=0) == 1
    assert refunds.finish_stuck(rt, older_than_s=0) == 0
    [recorded] = billing.events("PaymentRefunded")
    assert recorded.data["refund_id"] == refund_id and recorded.data["amount_minor"] == 3000
    assert recorded.data["reopens_invoice"] is True                          # finished as it was asked
    assert len(standin.state.refunds) == 1
    shown = billing.shown(invoice["invoice_id"])
    assert (shown["payments"][0]["refunded_minor"], shown["amount_due_minor"]) == (3000, 3000)


def test_a_refund_stripe_did_not_answer_is_kept_and_finished_not_lost(served):
    billing, standin = served
    invoice, payment_id = settled(billing, standin)
    rt = billing.app.extensions["portal"]
    gateways = rt.ports["gateways"]
    working = gateways._factories["stripe"]
    away = StripeGateway(StripeSettings(stripe_standin.DEFAULT_KEY, stripe_standin.DEFAULT_SECRET,
                                        api_base="http://127.0.0.1:9", max_network_retries=0, timeout_s=2))
    gateways.register("stripe", lambda rt, org_id: away)
    pending = ask_refund(billing, payment_id, 2000)
    assert pending.status_code == 503 and pending.get_json()["code"] == "refund_pending"
    assert "do not refund again" in pending.get_json()["detail"]
    over = ask_refund(billing, payment_id, invoice["total_minor"], request_id="greedy-form-01")
    assert over.status_code == 422                                           # the 2000 stays reserved
    gateways.register("stripe", working)
    assert refunds.finish_stuck(rt, older_than_s=0) == 1
    assert [r["amount"] for r in standin.state.refunds.values()] == [2000]
    assert billing.shown(invoice["invoice_id"])["payments"][0]["refunded_minor"] == 2000
