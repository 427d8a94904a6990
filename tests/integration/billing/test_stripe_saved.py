"""Saved payment methods with Stripe, end to end: the real stripe SDK talks to the local stand-in
of Stripe's API; the contact saves a card on the stand-in's hosted setup page (Checkout in
mode=setup), the signed webhook records it with its last 4 and expiry, paying with it is one
off-session PaymentIntent, and removing it detaches it at Stripe. SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import select

from services.billing.tables import gateway_customers
from tests.integration.billing.test_payments import ORG
from tests.integration.billing.test_stripe_flow import served  # noqa: F401 (the fixture)

BASE = f"/orgs/{ORG}/customers/cust-1/payment-methods"
RETURN = "https://portal.example/payment-methods"


def open_setup(billing, kind="card"):
    answer = billing.client.post(f"{BASE}/setups", headers=billing.contact(),
                                 json={"kind": kind, "gateway": "stripe", "return_url": RETURN})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def saved_card(billing, standin, card="4242"):
    setup = open_setup(billing)
    session = setup["redirect_url"].rsplit("/", 1)[-1]
    back = standin.customer_acts(session, "save", card=card)
    assert back.status_code == 303 and back.headers["Location"].startswith(RETURN + "?setup=" + setup["setup_id"])
    return setup, session


def methods(billing):
    return billing.client.get(BASE, headers=billing.contact()).get_json()["items"]


def test_a_card_saved_on_stripes_page_is_recorded_from_the_signed_webhook(served):  # noqa: F811
    billing, standin = served
    setup = open_setup(billing)
    assert setup["status"] == "open" and setup["redirect_url"].startswith(standin.url)
    assert methods(billing) == []
    setup, session = saved_card(billing, standin)
    [card] = methods(billing)
    assert (card["gateway"], card["kind"], card["brand"], card["last4"], card["exp_month"], card["is_default"]) == \
        ("stripe", "card", "visa", "4242", 12, True)
    assert card["exp_year"] >= 2026
    delivered = [d for d in standin.deliveries if d.status == 200]
    assert any(standin.state.events[d.event_id]["type"] == "checkout.session.completed" for d in delivered)
    done = billing.client.post(f"{BASE}/setups/{setup['setup_id']}/complete", headers=billing.contact())
    assert done.status_code == 200 and done.get_json()["method"]["method_id"] == card["method_id"]
    for delivery in list(standin.deliveries):             # Stripe delivers again: still one method
        standin.send(delivery.event_id)
    assert len(methods(billing)) == 1
    with billing.rt.engine.connect() as conn:
        customer = conn.execute(select(gateway_customers.c.gateway_customer)).scalar()
    pm = standin.state.payment_methods[next(iter(standin.state.payment_methods))]
    assert customer.startswith("cus_") and pm["customer"] == customer


def test_coming_back_before_the_webhook_records_the_method_too(served):  # noqa: F811
    billing, standin = served
    standin.hold = True                                   # webhooks late
    setup, _ = saved_card(billing, standin)
    assert methods(billing) == []
    done = billing.client.post(f"{BASE}/setups/{setup['setup_id']}/complete", headers=billing.contact())
    assert done.get_json()["status"] == "succeeded" and done.get_json()["method"]["last4"] == "4242"
    standin.release()
    assert len(methods(billing)) == 1


def test_paying_with_the_saved_card_is_one_off_session_payment(served):  # noqa: F811
    billing, standin = served
    saved_card(billing, standin)
    [card] = methods(billing)
    invoice = billing.invoice()
    payment = billing.paid(invoice["invoice_id"], method=f"saved:{card['method_id']}")
    assert (payment["status"], payment["redirect_url"]) == ("settled", None)
    assert billing.shown(invoice["invoice_id"])["status"] == "paid"
    [intent] = standin.state.intents.values()
    assert (intent["status"], intent["payment_method"], intent["amount"]) == ("succeeded", next(iter(
        standin.state.payment_methods)), 30000)
    assert intent["metadata"]["payment_id"] == payment["payment_id"]
    assert len(billing.events("PaymentSettled")) == 1     # the webhooks that followed changed nothing


def test_a_declined_saved_card_fails_at_once(served):  # noqa: F811
    billing, standin = served
    saved_card(billing, standin, card="0341")
    [card] = methods(billing)
    invoice = billing.invoice()
    payment = billing.paid(invoice["invoice_id"], method=f"saved:{card['method_id']}")
    assert (payment["status"], payment["failure_reason"]) == ("failed", "generic_decline")
    assert billing.shown(invoice["invoice_id"])["status"] == "sent"


def test_removing_detaches_the_card_at_stripe(served):  # noqa: F811
    billing, standin = served
    saved_card(billing, standin)
    [card] = methods(billing)
    assert billing.client.delete(f"{BASE}/{card['method_id']}", headers=billing.contact()).status_code == 204
    [pm] = standin.state.payment_methods.values()
    assert pm["customer"] is None and methods(billing) == []
    assert billing.client.delete(f"{BASE}/{card['method_id']}", headers=billing.contact()).status_code == 204
