"""Each org's own Stripe and PayPal accounts (services/billing/handlers/gateway_connections.py) through
billing's API, on SQLite and PostgreSQL: the secrets are Fernet-encrypted at rest (the
plaintext is nowhere in the row), never answered (only "ends in 1234"), refused without
BILLING_SECRETS_KEY; only owners and admins may touch them; a payment of the org reaches
the Stripe stand-in with the org's own key (the deployment's is another); "Test connection"
says in words whether the gateway took the keys."""
from __future__ import annotations

import json
import threading

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from werkzeug.serving import make_server

from services.billing import tables as connections
from services.billing.bootstrap import SPEC
from tests.integration.billing.test_payments import ORG, OTHER_ORG, Billing
from tests.helpers import paypal_standin, stripe_standin
from tests.helpers.tokens import bearer

ORG_KEY = "sk_test_acmeOwnKey0000004242"
ORG_HOOK = "whsec_acmeOwnSigningSecret9876"
PATH = f"/orgs/{ORG}/gateway-connections"


@pytest.fixture
def billing(make_runtime, db_kind, monkeypatch):
    monkeypatch.setenv("BILLING_SECRETS_KEY", Fernet.generate_key().decode())
    for name in ("STRIPE_SECRET_KEY", "BILLING_STRIPE_SECRET_KEY", "BILLING_DEFAULT_GATEWAY"):
        monkeypatch.delenv(name, raising=False)
    return Billing(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


def owner(role="owner", org_id=ORG):
    return bearer("staff", org_id, id=f"staff-{role}", role=role)


def connect_stripe(billing, **extra):
    return billing.client.put(f"{PATH}/stripe", headers=owner(), json={
        "secret_key": ORG_KEY, "webhook_secret": ORG_HOOK, "publishable_key": "pk_test_acme", **extra})


def rows(billing):
    with billing.rt.engine.connect() as conn:
        return conn.execute(select(connections.gateway_connections)).all()


def test_secrets_are_encrypted_at_rest_and_never_answered(billing):
    answer = connect_stripe(billing)
    assert answer.status_code == 200, answer.get_json()
    [row] = rows(billing)
    stored = json.dumps([list(row.public.values()), row.secrets, row.hints])
    assert ORG_KEY not in stored and ORG_HOOK not in stored and "acmeOwnKey" not in stored
    for body in (answer.get_data(as_text=True), billing.client.get(PATH, headers=owner()).get_data(as_text=True)):
        assert ORG_KEY not in body and ORG_HOOK not in body
    [shown] = billing.client.get(PATH, headers=owner()).get_json()["items"]
    assert shown["secret_key"] == {"set": True, "ends_in": "4242"}
    assert shown["webhook_secret"] == {"set": True, "ends_in": "9876"}
    assert shown["publishable_key"] == "pk_test_acme" and shown["webhook_path"] == f"/webhooks/stripe/{ORG}"


def test_blank_secrets_keep_the_stored_ones(billing):
    connect_stripe(billing)
    changed = billing.client.put(f"{PATH}/stripe", headers=owner(), json={"publishable_key": "pk_test_new",
                                                                           "secret_key": "", "default": True})
    assert changed.status_code == 200
    [shown] = changed.get_json()["items"]
    assert shown["secret_key"]["ends_in"] == "4242" and shown["default"] is True
    assert changed.get_json()["default_gateway"] == "stripe"


def test_without_the_deployment_key_nothing_secret_is_stored(billing, monkeypatch):
    monkeypatch.delenv("BILLING_SECRETS_KEY")
    answer = connect_stripe(billing)
    assert answer.status_code == 409 and "BILLING_SECRETS_KEY" in answer.get_json()["detail"]
    assert rows(billing) == []


def test_wrong_keys_are_refused_by_field(billing):
    answer = billing.client.put(f"{PATH}/stripe", headers=owner(), json={"secret_key": "pk_live_oops",
                                                                         "webhook_secret": ORG_HOOK})
    assert answer.status_code == 422 and "starts with sk_" in answer.get_json()["detail"]
    missing = billing.client.put(f"{PATH}/paypal", headers=owner(), json={"client_id": "abc"})
    assert missing.status_code == 422 and rows(billing) == []


def test_only_owners_and_admins_of_the_org(billing):
    assert connect_stripe(billing).status_code == 200
    for headers in (owner("agent"), bearer("contact", ORG, customer_id="cust-1", permissions=("view", "pay"))):
        assert billing.client.get(PATH, headers=headers).status_code == 403
        assert billing.client.put(f"{PATH}/stripe", headers=headers, json={"secret_key": "sk_x"}).status_code == 403
        assert billing.client.delete(f"{PATH}/stripe", headers=headers).status_code == 403
    assert billing.client.get(PATH, headers=owner("admin")).status_code == 200
    foreign = billing.client.get(PATH, headers=owner(org_id=OTHER_ORG))
    assert foreign.status_code in (403, 404)
    assert billing.client.get(f"/orgs/{OTHER_ORG}/gateway-connections",
                              headers=owner(org_id=OTHER_ORG)).get_json()["items"] == []
    assert rows(billing)[0].hints["secret_key"] == "4242"


def test_a_payment_reaches_stripe_with_the_orgs_own_key(billing, monkeypatch):
    server = make_server("127.0.0.1", 0, billing.app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_port}/webhooks/stripe/{ORG}"
    try:
        with stripe_standin.StripeStandIn(api_key=ORG_KEY, webhook_secret=ORG_HOOK, webhook_url=hook) as standin:
            monkeypatch.setenv("STRIPE_API_BASE", standin.url)
            invoice = billing.invoice()
            unset = billing.client.post(f"/orgs/{ORG}/customers/cust-1/payments", headers=billing.contact(), json={
                "invoices": [{"invoice_id": invoice["invoice_id"]}], "method": "card", "gateway": "stripe"})
            assert unset.status_code == 422                        # no deployment Stripe, no connection yet
            connect_stripe(billing, default=True)
            answer = billing.client.post(f"/orgs/{ORG}/customers/cust-1/payments", headers=billing.contact(), json={
                "invoices": [{"invoice_id": invoice["invoice_id"]}], "method": "card",
                "return_url": "https://portal.example/invoices"})                     # the org's default: stripe
            assert answer.status_code == 201, answer.get_json()
            payment = answer.get_json()
            assert payment["gateway"] == "stripe" and payment["redirect_url"].startswith(standin.url)
            standin.customer_acts(payment["redirect_url"].rstrip("/").rsplit("/", 1)[-1], "pay")
            assert billing.shown(invoice["invoice_id"])["status"] == "paid"   # its webhook, signed with the org's secret

            assert billing.client.post(f"{PATH}/stripe/test", headers=owner()).get_json()["ok"] is True
            standin.api_key = "sk_test_rotated"                    # the key was rolled at Stripe
            tried = billing.client.post(f"{PATH}/stripe/test", headers=owner()).get_json()
            assert tried["ok"] is False and "refused the secret key" in tried["detail"]
            [shown] = billing.client.get(PATH, headers=owner()).get_json()["items"]
            assert shown["last_test"]["ok"] is False

            assert billing.client.delete(f"{PATH}/stripe", headers=owner()).status_code == 204
            assert billing.client.get(PATH, headers=owner()).get_json()["items"] == []
            assert billing.client.delete(f"{PATH}/stripe", headers=owner()).status_code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_paypal_connection_is_tested_against_paypal(billing, monkeypatch):
    with paypal_standin.PayPalStandIn() as standin:
        monkeypatch.setenv("PAYPAL_API_BASE", standin.url)
        billing.client.put(f"{PATH}/paypal", headers=owner(), json={
            "client_id": paypal_standin.DEFAULT_CLIENT_ID, "client_secret": paypal_standin.DEFAULT_CLIENT_SECRET,
            "webhook_id": standin.webhook_id})
        tried = billing.client.post(f"{PATH}/paypal/test", headers=owner()).get_json()
        assert tried == {"ok": True, "detail": "Connected to PayPal: the client id and secret were accepted."}
        billing.client.put(f"{PATH}/paypal", headers=owner(), json={"client_secret": "not-the-secret"})
        tried = billing.client.post(f"{PATH}/paypal/test", headers=owner()).get_json()
        assert tried["ok"] is False and "refused" in tried["detail"]
        [row] = rows(billing)
        assert "not-the-secret" not in json.dumps(row.secrets) and row.public["client_id"] == "standin-client"
