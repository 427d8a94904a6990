"""Back from PayPal's approval page in the portal: the return page has billing capture the
order and shows the payment paid (once, however often it is reloaded); the cancel link fails
the payment, says "Payment cancelled" on the invoice, and the invoice can be paid again.
The real billing service in process, its PayPal adapter against the local PayPal stand-in."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from services.billing.adapters.paypal import PayPalGateway, PayPalSettings
from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import Browser, text
from tests.helpers import paypal_standin


@pytest.fixture
def paypal(world, monkeypatch):
    with paypal_standin.PayPalStandIn() as standin:
        adapter = PayPalGateway(PayPalSettings(paypal_standin.DEFAULT_CLIENT_ID, paypal_standin.DEFAULT_CLIENT_SECRET,
                                               standin.webhook_id, api_base=standin.url))
        org = world.org["org_id"]
        gateways = billing_backend.billing_app().extensions["portal"].ports["gateways"]
        gateways.register("paypal", lambda rt, org_id: adapter if org_id == org else None)
        monkeypatch.setenv("BILLING_DEFAULT_GATEWAY", "paypal")
        try:
            yield standin
        finally:
            gateways._factories.pop("paypal", None)


def start(world, app):
    inv = billing_backend.issue_invoice(world.org["org_id"], world.customer["customer_id"])
    ann = Browser(app)
    ann.sign_in(world.ann)
    ann.get(f"/invoices/{inv['invoice_id']}")
    page = ann.send(f"/invoices/{inv['invoice_id']}/pay", {"method": "card"})
    assert page.status_code == 200 and "Continue to the payment page" in text(page)
    order = next(iter(paypal_standin_orders(page)))
    return ann, inv, order


def paypal_standin_orders(page):
    html = page.get_data(as_text=True)
    return [part.split('"', 1)[0].split("&", 1)[0] for part in html.split("checkoutnow?token=")[1:]]


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_back_from_paypal_the_payment_is_captured_and_shown_paid(world, app, paypal):
    ann, inv, order = start(world, app)
    back = paypal.buyer_acts(order, "pay").headers["Location"]
    assert back.startswith("http://portal.test/payments/return?")
    answer = ann.get(local(back))
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/payments/")
    assert "Paid. Thank you!" in text(ann.get(answer.headers["Location"]))
    again = ann.get(local(back))                               # reloaded: the same payment, one capture
    assert again.headers["Location"] == answer.headers["Location"]
    assert len(paypal.captures) == 1
    assert billing_backend.staff_invoice(world.org["org_id"], inv["invoice_id"])["status"] == "paid"


def confirm_cancel(browser, path: str):
    """Back through a cancel URL: a question, never a cancel (a GET anyone could send); the
    button POSTs it."""
    question = browser.get(path)
    assert question.status_code == 200 and "Cancel this payment" in text(question)
    return browser.send("/payments/return/cancel", {})


def test_cancel_at_paypal_says_so_and_the_invoice_can_be_paid_again(world, app, paypal):
    ann, inv, order = start(world, app)
    back = paypal.buyer_acts(order, "cancel").headers["Location"]
    assert [p["status"] for p in billing_backend.payments_of(world.org["org_id"], world.customer["customer_id"],
                                                             inv["invoice_id"])] == ["initiated"]
    answer = confirm_cancel(ann, local(back))
    assert answer.status_code == 302 and answer.headers["Location"] == f"/invoices/{inv['invoice_id']}"
    page = text(ann.get(answer.headers["Location"]))
    assert "Payment cancelled" in page and "Pay this invoice" in page
    assert [p["status"] for p in billing_backend.payments_of(world.org["org_id"], world.customer["customer_id"],
                                                             inv["invoice_id"])] == ["failed"]
    assert paypal.captures == {}


def test_a_return_for_someone_elses_order_changes_nothing(world, app, paypal):
    _, inv, order = start(world, app)
    paypal.buyer_acts(order, "pay")
    other = world.fake.add_customer(world.org, "Initech", "ap@initech.test")
    eve = world.fake.add_contact(world.org, other, "eve@initech.test", "Eve Other", permissions=("view", "pay"))
    stranger = Browser(app)
    stranger.sign_in(eve)
    answer = stranger.get(f"/payments/return?token={order}&checkout=success&back=//evil.test/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/invoices"
    assert paypal.captures == {}


@pytest.fixture
def stripe(world, monkeypatch):
    from services.billing.adapters.stripe import StripeGateway, StripeSettings
    from tests.helpers import stripe_standin
    with stripe_standin.StripeStandIn() as standin:
        adapter = StripeGateway(StripeSettings(stripe_standin.DEFAULT_KEY, stripe_standin.DEFAULT_SECRET,
                                               api_base=standin.url))
        org = world.org["org_id"]
        gateways = billing_backend.billing_app().extensions["portal"].ports["gateways"]
        gateways.register("stripe", lambda rt, org_id: adapter if org_id == org else None)
        monkeypatch.setenv("BILLING_DEFAULT_GATEWAY", "stripe")
        try:
            yield standin
        finally:
            gateways._factories.pop("stripe", None)


def test_cancel_at_stripe_fails_the_payment_at_once_and_another_method_may_pay(world, app, stripe):
    inv = billing_backend.issue_invoice(world.org["org_id"], world.customer["customer_id"])
    ann = Browser(app)
    ann.sign_in(world.ann)
    ann.get(f"/invoices/{inv['invoice_id']}")
    page = ann.send(f"/invoices/{inv['invoice_id']}/pay", {"method": "card"})
    assert "Continue to the payment page" in text(page)
    session = next(iter(stripe.state.sessions))
    back = stripe.customer_acts(session, "cancel").headers["Location"]
    assert "checkout=cancel" in back and "payment=" in back
    answer = confirm_cancel(ann, local(back))
    assert answer.status_code == 302 and answer.headers["Location"] == f"/invoices/{inv['invoice_id']}"
    assert "Payment cancelled" in text(ann.get(answer.headers["Location"]))
    [payment] = billing_backend.payments_of(world.org["org_id"], world.customer["customer_id"], inv["invoice_id"])
    assert payment["status"] == "failed"
    assert stripe.state.sessions[session]["status"] == "expired"       # nobody can pay the old page any more
    again = ann.send(f"/invoices/{inv['invoice_id']}/pay", {"method": "bank_debit"})
    assert again.status_code == 200 and "Continue to the payment page" in text(again)    # not refused by the guard

    other = world.fake.add_customer(world.org, "Initech", "ap@initech.test")
    eve = world.fake.add_contact(world.org, other, "eve@initech.test", "Eve Other", permissions=("view", "pay"))
    stranger = Browser(app)
    stranger.sign_in(eve)
    second = [s for s in stripe.state.sessions if s != session][0]
    payment_id = stripe.state.sessions[second]["client_reference_id"]
    stranger.get(f"/payments/return?checkout=cancel&payment={payment_id}")
    stranger.send("/payments/return/cancel", {})
    assert stripe.state.sessions[second]["status"] == "open"            # someone else's payment: untouched
    ann.get(f"/payments/return?checkout=cancel&payment={payment_id}")     # a GET alone cancels nothing
    assert stripe.state.sessions[second]["status"] == "open"


@pytest.mark.parametrize("back", ["/%09/evil.example", "/%0a/evil.example", "/%5C%5Cevil.example", "//evil.example",
                                  "https://evil.example", "/%20/evil.example"])
def test_no_redirecting_parameter_leaves_the_portal(world, app, back):
    """Issue 14, case 12: a browser drops a tab or newline and reads a backslash as a slash,
    so "/\\t/evil.example" became "//evil.example" (another site)."""
    ann = Browser(app)
    ann.sign_in(world.ann)
    for path in (f"/payments/return?checkout=cancel&back={back}", f"/payments/return?back={back}"):
        answer = ann.get(path)
        location = answer.headers.get("Location", "")
        assert "evil" not in location and "evil" not in answer.get_data(as_text=True), (path, location)
    ann.get("/signout")
    signin = Browser(app)
    page = signin.get(f"/signin?next={back}")
    answer = signin.send(f"/signin?next={back}", {"email": world.ann.email, "password": world.ann.password})
    assert "evil" not in answer.headers.get("Location", "") and page.status_code == 200
