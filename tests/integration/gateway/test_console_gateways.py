"""The console's "Payments: connect Stripe / PayPal" page on the real billing service: an owner
connects the org's own Stripe account, sees only "set, ends in …4242" afterwards, tests the
connection against the Stripe stand-in (and reads why it failed with a rolled key),
disconnects; without the deployment's encryption key nothing is saved and the page says why;
agents are refused."""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import Browser, text
from tests.helpers import stripe_standin

KEY = "sk_test_globexOwnKey00004242"
HOOK = "whsec_globexSigningSecret9876"


@pytest.fixture
def secrets_key(monkeypatch):
    monkeypatch.setenv("BILLING_SECRETS_KEY", Fernet.generate_key().decode())
    billing_backend.billing_app().extensions["portal"].ports["gateways"]._cache.clear()


def staff(world, app, login) -> Browser:
    browser = Browser(app)
    browser.sign_in(login, fake=world.fake)
    return browser


def connect(owner, **form):
    owner.get("/console/payment-gateways")
    return owner.send("/console/payment-gateways/stripe", {"secret_key": KEY, "webhook_secret": HOOK,
                                                           "publishable_key": "pk_test_globex", **form})


def test_an_owner_connects_tests_and_disconnects_stripe(world, app, secrets_key, monkeypatch):
    owner = staff(world, app, world.sam)
    page = owner.get("/console/payment-gateways")
    assert page.status_code == 200 and "Not connected" in text(page)
    assert "http://portal.test/webhooks/stripe" in text(page) and f"/webhooks/stripe/{world.org['org_id']}" in text(page)

    answer = connect(owner, default="y")
    assert answer.status_code == 302
    html = owner.get("/console/payment-gateways").get_data(as_text=True)
    assert "Stripe is connected" in html and "set, ends in …4242" in html and "set, ends in …9876" in html
    assert KEY not in html and HOOK not in html and "pk_test_globex" in html
    assert "Default for the portal's payments: Stripe" in text(owner.get("/console/payment-gateways"))

    with stripe_standin.StripeStandIn(api_key=KEY) as standin:
        monkeypatch.setenv("STRIPE_API_BASE", standin.url)
        owner.get("/console/payment-gateways")
        assert owner.send("/console/payment-gateways/stripe/test", {}).status_code == 302
        assert "Connected to Stripe (test mode)" in text(owner.get("/console/payment-gateways"))
        standin.api_key = "sk_test_rolled"
        owner.send("/console/payment-gateways/stripe/test", {})
        page = text(owner.get("/console/payment-gateways"))
        assert "Stripe refused the secret key" in page and "Last test Failed" in page

    owner.send("/console/payment-gateways/stripe/disconnect", {})
    page = text(owner.get("/console/payment-gateways"))
    assert "Stripe is disconnected" in page and "ends in …4242" not in page


def test_a_mistyped_key_is_shown_on_its_field(world, app, secrets_key):
    owner = staff(world, app, world.sam)
    answer = connect(owner, secret_key="pk_test_wrong_field")
    assert answer.status_code == 422 and "starts with sk_ or rk_" in text(answer)
    assert "Not connected" in text(owner.get("/console/payment-gateways"))


def test_without_the_encryption_key_nothing_is_saved_and_the_page_says_why(world, app, monkeypatch):
    monkeypatch.delenv("BILLING_SECRETS_KEY", raising=False)
    owner = staff(world, app, world.sam)
    page = owner.get("/console/payment-gateways")
    assert "no encryption key for payment secrets" in text(page)
    html = page.get_data(as_text=True)
    assert html.count('<fieldset class="plain" disabled') == 2          # Stripe's and PayPal's forms: not offered
    answer = connect(owner)                                              # a hand-made post is still refused
    assert answer.status_code == 409 and "BILLING_SECRETS_KEY" in text(answer)
    assert "Not connected" in text(owner.get("/console/payment-gateways"))


def test_agents_are_refused(world, app, secrets_key):
    agent = staff(world, app, world.ada)
    assert agent.get("/console/payment-gateways").status_code == 403
    agent.get("/console")
    assert agent.send("/console/payment-gateways/stripe", {"secret_key": KEY, "webhook_secret": HOOK}).status_code == 403
    owner = staff(world, app, world.sam)
    assert "Not connected" in text(owner.get("/console/payment-gateways"))
