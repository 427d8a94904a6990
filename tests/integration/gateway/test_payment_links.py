"""Payment links against the real billing service and its simulated gateway: a stranger
pays an invoice at /pay/<token> without signing in and sees it paid live; a pending bank
debit blocks paying again; the sign-up offer shows only where the org allows sign-up; a
dead token is a readable 404; the Pay form needs its CSRF token; staff make and replace a
link from the console's invoice page; an ERP makes one through /api/v1."""
from __future__ import annotations

import re
import uuid

import pytest

from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import HOST, Browser, World, make_app, text
from tests.integration.gateway.fake_api_keys import SigningApiKeys
from tests.helpers.tokens import bearer

LINK_DEAD = "This payment link does not work"


def invoice(world, total=12000):
    return billing_backend.issue_invoice(world.org["org_id"], world.customer["customer_id"], total)


def make_link(world, invoice_id: str, rotate: bool = False) -> str:
    """A new link's path (/pay/<token>), made as staff make it (billing's staff API)."""
    answer = billing_backend.billing_app().test_client().post(
        f"/orgs/{world.org['org_id']}/invoices/{invoice_id}/payment-link", json={"rotate": rotate},
        headers=bearer("staff", world.org["org_id"], id=str(uuid.uuid4())))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["path"]


def stranger(app) -> Browser:
    return Browser(app)


def pay(browser: Browser, path: str, **form):
    browser.get(path)
    return browser.send(path, {"method": "card", **form})


def test_a_stranger_pays_by_link_without_signing_in_and_sees_it_paid(world, app):
    inv = invoice(world)
    path = make_link(world, inv["invoice_id"])
    payer = stranger(app)
    page = payer.get(path)
    assert page.status_code == 200
    assert f"Invoice {inv['number']}" in text(page) and "Acme Trading" in text(page)
    assert "Pay €120.00" in text(page) and "Globex" not in text(page)

    answer = pay(payer, path, email="payer@example.test")
    assert answer.status_code == 302 and answer.headers["Location"].startswith(path + "/payments/")
    status = payer.get(answer.headers["Location"])
    assert "Paid. Thank you!" in text(status) and "hx-get" not in status.get_data(as_text=True)
    assert "Create a portal account" not in text(status)           # the org does not offer sign-up
    assert payer.cookie("portal") is None                          # no session was ever made
    assert billing_backend.staff_invoice(world.org["org_id"], inv["invoice_id"])["status"] == "paid"
    after = payer.get(path)
    assert "paid in full" in text(after) and "Pay €" not in text(after)


def test_once_paid_the_link_page_says_so_and_gives_its_own_payments_receipt_only(world, app):
    inv = invoice(world)
    path = make_link(world, inv["invoice_id"])
    payer = stranger(app)
    answer = pay(payer, path, email="gina@example.test", name="Gina Rossi")
    payment_id = answer.headers["Location"].rsplit("/", 1)[1]
    receipt = f"{path}/payments/{payment_id}/receipt.pdf"
    assert f'href="{receipt}"' in payer.get(answer.headers["Location"]).get_data(as_text=True)
    page = payer.get(path)
    words = text(page)
    assert "is paid" in words and "asks you to pay" not in words
    assert "Paid through this link" in words and "€120.00 received on" in words
    assert f'href="{receipt}"' in page.get_data(as_text=True)
    pdf = payer.get(receipt)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    # the customer's own payment in the portal is not reachable through the link: the link's 404
    other = billing_backend.pay_invoice(world.org["org_id"], world.customer["customer_id"],
                                        invoice(world)["invoice_id"])
    refused = payer.get(f"{path}/payments/{other['payment_id']}/receipt.pdf")
    assert refused.status_code == 404 and LINK_DEAD in text(refused)
    assert payer.get(f"/pay/not-a-token/payments/{payment_id}/receipt.pdf").status_code == 404


def test_the_sign_up_offer_shows_after_paying_where_the_org_allows_sign_up(world, app):
    world.org["settings"]["self_signup"] = True
    path = make_link(world, invoice(world)["invoice_id"])
    payer = stranger(app)
    status = payer.get(pay(payer, path).headers["Location"])
    assert "Create a portal account" in text(status)
    assert 'href="/signup"' in status.get_data(as_text=True)


def test_a_pending_bank_debit_updates_live_and_blocks_paying_again(world, app):
    world.org["settings"]["self_signup"] = True
    inv = invoice(world)
    path = make_link(world, inv["invoice_id"])
    payer = stranger(app)
    payer.get(path)
    form_seen = dict(payer.hidden)
    started = payer.send(path, {"method": "bank_debit"})
    payment_url = started.headers["Location"]
    payment_id = payment_url.rsplit("/", 1)[1]
    live = payer.get(payment_url).get_data(as_text=True)
    assert "being processed" in live and f'hx-get="{path}/payments/{payment_id}/status"' in live
    assert "Create a portal account" not in live
    page = payer.get(path)
    assert "still being processed" in text(page) and "Pay €" not in text(page)

    again = payer.post(path, {**form_seen, "method": "card"})              # a second tab's form
    assert again.status_code == 302 and again.headers["Location"] == path
    assert "still being processed" in text(payer.get(path))

    billing_backend.simulate(world.org["org_id"], payment_id, "settled")
    fragment = payer.get(f"{path}/payments/{payment_id}/status").get_data(as_text=True)
    assert "Paid. Thank you!" in fragment and "hx-get" not in fragment and "Create a portal account" in fragment


def test_a_wrong_expired_or_replaced_token_is_a_readable_404(world, app):
    inv = invoice(world)
    old = make_link(world, inv["invoice_id"])
    new = make_link(world, inv["invoice_id"], rotate=True)
    payer = stranger(app)
    for path in (old, "/pay/not-a-token", "/pay/" + "x" * 600, f"{new}/payments/{uuid.uuid4()}",
                 f"{new}/payments/{uuid.uuid4()}/status"):
        page = payer.get(path)
        assert page.status_code == 404, path
        assert LINK_DEAD in text(page) and "Acme Trading" in text(page), path
    assert payer.get(new).status_code == 200
    refused = payer.post(old, {"method": "card"})
    assert refused.status_code == 404 and LINK_DEAD in text(refused)
    assert billing_backend.payments_of(world.org["org_id"], world.customer["customer_id"], inv["invoice_id"]) == []


def test_paying_needs_the_forms_csrf_token(world, app):
    inv = invoice(world)
    path = make_link(world, inv["invoice_id"])
    payer = stranger(app)
    payer.get(path)
    refused = payer.post(path, {"method": "card"}, csrf=False)
    assert refused.status_code == 400 and "This form has expired" in text(refused)
    assert billing_backend.payments_of(world.org["org_id"], world.customer["customer_id"], inv["invoice_id"]) == []


def test_staff_make_a_link_on_the_invoice_page_and_replace_it(world, app):
    inv = invoice(world)
    sam = Browser(app)
    sam.sign_in(world.sam, fake=world.fake)
    page = sam.get(f"/console/invoices/{inv['invoice_id']}")
    assert "Payment link" in text(page)
    made = sam.send(f"/console/invoices/{inv['invoice_id']}/payment-link", {})
    assert made.status_code == 200 and "Copy the link now" in text(made)
    url = re.search(r'value="(http://portal\.test/pay/[^"]+)"', made.get_data(as_text=True)).group(1)
    assert stranger(app).get(url.removeprefix(f"http://{HOST}")).status_code == 200

    page = sam.get(f"/console/invoices/{inv['invoice_id']}")
    assert "New link" in text(page) and url not in page.get_data(as_text=True)
    again = sam.send(f"/console/invoices/{inv['invoice_id']}/payment-link", {})
    assert again.status_code == 302
    assert "already has a payment link" in text(sam.get(again.headers["Location"]))

    replaced = sam.send(f"/console/invoices/{inv['invoice_id']}/payment-link/new", {})
    new_url = re.search(r'value="(http://portal\.test/pay/[^"]+)"', replaced.get_data(as_text=True)).group(1)
    assert new_url != url
    assert stranger(app).get(url.removeprefix(f"http://{HOST}")).status_code == 404
    assert stranger(app).get(new_url.removeprefix(f"http://{HOST}")).status_code == 200


def test_a_paid_invoice_offers_no_link_in_the_console(world, app):
    inv = invoice(world)
    billing_backend.pay_invoice(world.org["org_id"], world.customer["customer_id"], inv["invoice_id"])
    sam = Browser(app)
    sam.sign_in(world.sam, fake=world.fake)
    assert "Payment link" not in text(sam.get(f"/console/invoices/{inv['invoice_id']}"))
    refused = sam.send(f"/console/invoices/{inv['invoice_id']}/payment-link", {})
    assert refused.status_code == 302
    assert "Nothing is due" in text(sam.get(refused.headers["Location"]))


@pytest.fixture
def keyed():
    fake = SigningApiKeys()
    org = fake.add_org(HOST, "Acme Trading")
    customer = fake.add_customer(org, "Globex Ltd")
    world = World(fake=fake, org=org, customer=customer, ann=None, bob=None, sam=None, ada=None)
    return world, make_app(fake)


def test_an_erp_makes_a_link_through_the_api(keyed):
    world, app = keyed
    inv = invoice(world)
    key = world.fake.add_key(world.org, scopes=("invoices",))
    client = app.test_client()
    path = f"/api/v1/invoices/{inv['invoice_id']}/payment-link"
    made = client.post(path, base_url=f"http://{HOST}", headers={"Authorization": f"Bearer {key}"},
                       json={"link_base": "https://evil.test"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["url"].startswith(f"http://{HOST}/pay/")
    again = client.post(path, base_url=f"http://{HOST}", headers={"Authorization": f"Bearer {key}"}, json={})
    assert again.status_code == 200 and again.get_json()["url"] is None


def test_paying_by_link_is_rate_limited_per_client(world):
    app = make_app(world.fake, GATEWAY_RATELIMIT_PAY_LINK="2 per minute")
    path = make_link(world, invoice(world)["invoice_id"])
    payer = stranger(app)
    payer.get(path)
    answers = [payer.send(path, {"method": "nothing"}).status_code for _ in range(3)]
    assert answers == [302, 302, 429]
    assert "Too many attempts" in text(payer.post(path, {"method": "card"}))


def test_cancelling_on_stripes_page_frees_the_invoice_for_another_method_at_once(world, app):
    from services.billing.adapters.stripe import StripeGateway, StripeSettings
    from tests.helpers import stripe_standin
    with stripe_standin.StripeStandIn() as standin:
        adapter = StripeGateway(StripeSettings(stripe_standin.DEFAULT_KEY, stripe_standin.DEFAULT_SECRET,
                                               api_base=standin.url))
        org = world.org["org_id"]
        gateways = billing_backend.billing_app().extensions["portal"].ports["gateways"]
        gateways.register("stripe", lambda rt, org_id: adapter if org_id == org else None)
        try:
            with pytest.MonkeyPatch.context() as env:
                env.setenv("BILLING_DEFAULT_GATEWAY", "stripe")
                inv = invoice(world)
                path = make_link(world, inv["invoice_id"])
                payer = stranger(app)
                assert "Continue to the payment page" in text(pay(payer, path))
                session = next(iter(standin.state.sessions))
                back = standin.customer_acts(session, "cancel").headers["Location"]
                assert back.startswith(f"http://{HOST}{path}?") and "payment=" in back
                question = payer.get(back.removeprefix(f"http://{HOST}"))       # a GET only asks
                assert question.status_code == 200 and "Cancel this payment" in text(question)
                assert standin.state.sessions[session]["status"] == "open"
                payment_id = standin.state.sessions[session]["client_reference_id"]
                confirmed = payer.send(f"{path}/payments/{payment_id}/cancel", {})
                page = payer.get(confirmed.headers["Location"])
                assert page.status_code == 200 and "Payment cancelled" in text(page)
                assert standin.state.sessions[session]["status"] == "expired"
                again = pay(payer, path, method="bank_debit")
                assert again.status_code == 200 and "Continue to the payment page" in text(again)

                other = make_link(world, invoice(world)["invoice_id"])          # another link's payment: untouched
                second = [s for s in standin.state.sessions if s != session][0]
                payment_id = standin.state.sessions[second]["client_reference_id"]
                payer.get(f"{other}?checkout=cancel&payment={payment_id}")
                payer.send(f"{other}/payments/{payment_id}/cancel", {})
                assert standin.state.sessions[second]["status"] == "open"
        finally:
            gateways._factories.pop("stripe", None)
