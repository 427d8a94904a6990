"""The simulated gateway in production (issue 14, case 1), on SQLite and PostgreSQL: where
the deployment did not ask for it, it is neither offered nor fallen back to. A contact whose
org has no usable gateway is told that online payment is unavailable; nothing is charged or
recorded as paid; the org's staff get one OnlinePaymentRefused alert an hour."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from services.billing.bootstrap import SPEC
from services.billing.handlers import gateway_alerts
from services.billing.adapters.registry import OnlinePaymentUnavailable
from services.chassis.orgs import known_orgs
from tests.integration.billing.test_payments import ORG, Billing

PRODUCTION: dict = {}                          # no PORTAL_ENV=dev, no BILLING_SIMULATED_GATEWAY
UNAVAILABLE = "Online payment is not available at the moment, and nothing was charged."


def billing_with(make_runtime, db_kind, env):
    return Billing(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1", env=env))


@pytest.fixture
def production(make_runtime, db_kind):
    return billing_with(make_runtime, db_kind, PRODUCTION)


def test_with_no_gateway_set_up_paying_is_refused_in_words_and_nothing_is_recorded(production):
    invoice = production.invoice()
    for _ in range(3):                                           # the customer tries again
        answer = production.pay(invoice["invoice_id"])
        assert answer.status_code == 503, answer.get_json()
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert answer.get_json()["detail"].startswith(UNAVAILABLE)
    assert production.events("PaymentInitiated") == [] and production.events("PaymentSettled") == []
    shown = production.shown(invoice["invoice_id"])
    assert (shown["status"], shown["amount_paid_minor"], shown["payments"]) == ("sent", 0, [])
    [alert] = production.events("OnlinePaymentRefused")       # one alert, not three
    assert alert.org_id == ORG and alert.data["gateway"] is None
    assert "no payment gateway is set up" in alert.data["reason"]


def test_a_configured_gateway_that_cannot_be_used_is_not_replaced_by_the_simulated_one(make_runtime, db_kind):
    billing = billing_with(make_runtime, db_kind, {"BILLING_DEFAULT_GATEWAY": "stripe"})   # no Stripe keys
    invoice = billing.invoice()
    answer = billing.pay(invoice["invoice_id"])
    assert answer.status_code == 503 and answer.get_json()["detail"].startswith(UNAVAILABLE)
    assert billing.events("PaymentInitiated") == []
    [alert] = billing.events("OnlinePaymentRefused")
    assert alert.data["gateway"] == "stripe" and "not connected" in alert.data["reason"]


def test_the_simulated_gateway_cannot_be_named_nor_its_test_methods_saved_or_listed(production):
    invoice = production.invoice()
    body = {"invoices": [{"invoice_id": invoice["invoice_id"]}], "method": "card", "gateway": "simulated",
            "return_url": "https://portal.example/pay/done"}
    answer = production.client.post(f"/orgs/{ORG}/customers/cust-1/payments", json=body,
                                     headers=production.contact())
    assert answer.status_code == 422 and "not available" in answer.get_json()["detail"]
    listed = production.client.get(f"/orgs/{ORG}/customers/cust-1/payment-methods", headers=production.contact())
    assert listed.status_code == 200 and listed.get_json() == {"items": [], "gateway": None}
    assert production.events("PaymentInitiated") == []


def test_development_and_demos_keep_the_simulated_gateway(make_runtime, db_kind):
    for env in ({"PORTAL_ENV": "dev"}, {"BILLING_SIMULATED_GATEWAY": "on"}):
        billing = billing_with(make_runtime, db_kind, env)
        invoice = billing.invoice()
        payment = billing.paid(invoice["invoice_id"])
        assert payment["status"] == "settled"
    off = billing_with(make_runtime, db_kind, {"PORTAL_ENV": "dev", "BILLING_SIMULATED_GATEWAY": "off"})
    assert off.pay(off.invoice()["invoice_id"]).status_code == 503


def test_one_alert_per_org_gateway_and_hour(production):
    problem = OnlinePaymentUnavailable("stripe", "the stored stripe keys cannot be decrypted")
    now = datetime(2026, 12, 7, 10, 5, tzinfo=timezone.utc)
    assert gateway_alerts.raise_alert(production.rt, ORG, problem, now)
    assert not gateway_alerts.raise_alert(production.rt, ORG, problem, now + timedelta(minutes=50))
    assert gateway_alerts.raise_alert(production.rt, ORG, problem, now + timedelta(hours=1))
    assert gateway_alerts.raise_alert(production.rt, "org-other", problem, now)
    assert len(production.events("OnlinePaymentRefused")) == 3


def live(billing, test_mode: bool) -> None:
    """The org's test-mode switch as identity's PortalSettingsChanged leaves it in billing's copy."""
    with billing.rt.engine.begin() as conn:
        settings = dict(conn.execute(select(known_orgs.c.settings).where(known_orgs.c.org_id == ORG)).scalar())
        conn.execute(update(known_orgs).where(known_orgs.c.org_id == ORG)
                     .values(settings={**settings, "test_mode": test_mode}))


def test_an_org_out_of_test_mode_is_never_offered_the_simulated_gateway(make_runtime, db_kind):
    """Even where the deployment allows the simulated gateway (a demo, `make up`), an org that
    has left test mode cannot pay with it: no money would move for a real customer."""
    billing = billing_with(make_runtime, db_kind, {"PORTAL_ENV": "dev"})
    live(billing, test_mode=True)
    assert billing.paid(billing.invoice()["invoice_id"])["status"] == "settled"
    live(billing, test_mode=False)
    invoice = billing.invoice()
    answer = billing.pay(invoice["invoice_id"])
    assert answer.status_code == 503 and answer.get_json()["detail"].startswith(UNAVAILABLE)
    listed = billing.client.get(f"/orgs/{ORG}/customers/cust-1/payment-methods", headers=billing.contact())
    assert listed.get_json()["gateway"] is None
    assert len(billing.events("PaymentInitiated")) == 1                  # the payment made in test mode
    assert billing.shown(invoice["invoice_id"])["status"] == "sent"
