"""The public pages in the reader's language: for a browser that asks for German, French or
Arabic (Accept-Language), every page a stranger can open (sign in, sign up, forgotten
password, an invitation, a payment link and its payment, a receipt, unsubscribing, an error
page) says `<html lang dir>` right, and shows no English left over: no text, placeholder,
title, aria-label or alt equals an English message of that language's catalogue whose
translation differs. Data (names, amounts, the org's name) and whatever sits inside
`translate="no"`, <code> or <pre> are left as they are."""
from __future__ import annotations

import pytest

from tests.integration.gateway import notifications_backend
from tests.integration.gateway.conftest import Browser, make_app
from tests.integration.gateway.test_payment_links import invoice, make_link, pay
from tests.helpers.languages import english_left_over, seen

LANGUAGES = {"de": "ltr", "fr": "ltr", "ar": "rtl"}
def public_pages(world, app, locale: str):
    """(name, response) for each public page, opened by a browser that asks for `locale`."""
    asks = {"Accept-Language": f"{locale},en;q=0.3"}
    visitor = Browser(app)
    visitor.headers.update(asks)
    yield "sign in", visitor.get("/signin")
    yield "staff sign in", visitor.get("/console/signin")
    yield "sign up", visitor.get("/signup")
    yield "forgotten password", visitor.get("/reset")
    yield "forgotten password, sent", visitor.submit("/reset", {"email": "nobody@example.test"})
    contact = world.fake.add_contact(world.org, world.customer, "cy@globex.test", "Cy", password=None,
                                     status="invited")
    world.fake.invitations["tok"] = contact.id
    yield "invitation", visitor.get("/invite/tok")
    path = make_link(world, invoice(world)["invoice_id"])
    yield "payment link", visitor.get(path)
    payer = Browser(app)
    payer.headers.update(asks)
    paid = pay(payer, path, email="payer@example.test")
    yield "payment", payer.get(paid.headers["Location"])
    yield "payment link, paid", payer.get(path)
    yield "receipt", visitor.get(f"/receipts/{paid.headers['Location'].rsplit('/', 1)[1]}")
    yield "dead payment link", visitor.get("/pay/not-a-token")
    mail = notifications_backend.queue_mail(world.org, world.ann.email, contact_id=world.ann.id,
                                            customer_id=world.customer["customer_id"])
    yield "unsubscribe", visitor.get(f"/unsubscribe/{notifications_backend.unsubscribe_token(mail['email_id'])}")
    yield "dead unsubscribe link", visitor.get("/unsubscribe/nope")
    yield "not found", visitor.get("/no-such-page")


@pytest.fixture
def app(world):
    world.org["settings"]["self_signup"] = True
    return make_app(world.fake, GATEWAY_RATELIMIT_RECOVERY="1000 per minute")


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_every_public_page_speaks_the_browsers_language(world, app, locale):
    english = english_left_over(locale)
    assert len(english) > 100                                         # the catalogue is there
    opened = 0
    for name, response in public_pages(world, app, locale):
        opened += 1
        assert response.status_code in (200, 404), name
        page = seen(response.get_data(as_text=True))
        assert page.html == {"lang": locale, "dir": LANGUAGES[locale]}, name
        left = sorted(page.words & english)
        assert not left, f"{name} ({locale}): English left: {left}"
    assert opened == 14


def test_a_page_without_an_offered_language_stays_english(world, app):
    visitor = Browser(app)
    visitor.headers["Accept-Language"] = "xx"
    page = visitor.get("/signin")
    assert seen(page.get_data(as_text=True)).html == {"lang": "en", "dir": "ltr"}
    assert "Forgot your password?" in page.get_data(as_text=True)
