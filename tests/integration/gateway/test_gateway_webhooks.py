"""The payment gateways' webhooks come in through the org's own host and reach billing
unchanged: a Stripe event signed the documented way settles the payment; a forged one is
refused with billing's 400; no cookie or CSRF token is needed (the signature is the proof)."""
from __future__ import annotations

import pytest

from services.billing.adapters.stripe import StripeGateway, StripeSettings
from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import HOST
from tests.helpers import stripe_standin


@pytest.fixture
def stripe(world):
    with stripe_standin.StripeStandIn() as standin:          # no webhook URL: we carry its deliveries
        adapter = StripeGateway(StripeSettings(stripe_standin.DEFAULT_KEY, stripe_standin.DEFAULT_SECRET,
                                               api_base=standin.url))
        org = world.org["org_id"]
        gateways = billing_backend.billing_app().extensions["portal"].ports["gateways"]
        gateways.register("stripe", lambda rt, org_id: adapter if org_id == org else None)
        try:
            yield standin
        finally:
            gateways._factories.pop("stripe", None)


def test_a_signed_stripe_event_through_the_gateway_settles_the_payment(world, app, stripe):
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer)
    payment = billing_backend.pay_invoice(org, customer, invoice["invoice_id"], gateway="stripe")
    session = payment["redirect_url"].rstrip("/").rsplit("/", 1)[-1]
    stripe.customer_acts(session, "pay")
    client = app.test_client()
    answers = [client.post("/webhooks/stripe", base_url=f"http://{HOST}", data=d.body, headers=d.headers)
               for d in stripe.deliveries]
    assert answers and all(a.status_code == 200 for a in answers), [a.get_data(as_text=True) for a in answers]
    assert billing_backend.payment_status(org, payment["payment_id"]) == "settled"

    forged_body, forged_headers = stripe.signed(stripe.deliveries[0].event_id, forged=True)
    refused = client.post("/webhooks/stripe", base_url=f"http://{HOST}", data=forged_body, headers=forged_headers)
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    assert client.post("/webhooks/bitcoin", base_url=f"http://{HOST}", data=b"{}").status_code == 404
