"""An org the operator suspended or closed (issue 19): every page of its host says the portal
is not available (503), signed in or not, portal, console and API alike, while the payment
gateways' webhooks still reach billing (money that moved is recorded); a closed org's host
answers as an address with no portal (404)."""
from __future__ import annotations

from tests.integration.gateway.conftest import Browser, text

SUSPENDED = "This portal is not available at the moment. Please contact the business directly."


def test_a_suspended_orgs_pages_say_so_and_its_webhooks_still_reach_billing(world, app):
    contact = Browser(app)
    contact.sign_in(world.ann)
    owner = Browser(app)
    owner.sign_in(world.sam, fake=world.fake)
    world.org["status"] = "suspended"
    for browser, path in ((Browser(app), "/signin"), (contact, "/invoices"), (owner, "/console")):
        page = browser.get(path)
        assert page.status_code == 503 and SUSPENDED in text(page), path
    api = app.test_client().get("/api/v1/invoices", base_url="http://portal.test",
                                headers={"Authorization": "Bearer cpk_whatever"})
    assert api.status_code == 503 and api.headers["Content-Type"].startswith("application/problem+json")
    webhook = app.test_client().post("/webhooks/stripe", base_url="http://portal.test", data=b"{}",
                                     headers={"Stripe-Signature": "t=1,v1=00", "Content-Type": "application/json"})
    assert SUSPENDED not in webhook.get_data(as_text=True)                        # billing's own answer

    world.org["status"] = "active"
    assert contact.get("/invoices").status_code == 200


def test_a_closed_orgs_host_has_no_portal(world, app):
    world.org["status"] = "closed"
    page = Browser(app).get("/signin")
    assert page.status_code == 404 and "There is no portal at this address." in text(page)
