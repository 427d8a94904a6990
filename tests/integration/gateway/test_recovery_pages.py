"""Password reset and self sign-up as people meet them: the pages, their forms and CSRF, the
mailed links (read from what the fake identity would have mailed), and where each ends."""
from __future__ import annotations

import re

import pytest

from tests.integration.gateway.conftest import HOST, Browser, make_app, text
from tests.integration.gateway.test_pages import unlabelled_fields

NEW_PASSWORD = "a long new pass phrase"
SAME_PAGE_FOR_ANY_ADDRESS = "If that address has an account, we sent a link to it."


@pytest.fixture
def app(world):
    """Limits lifted: one test sends more forms than a person would in a minute."""
    return make_app(world.fake, GATEWAY_RATELIMIT_RECOVERY="1000 per minute")


@pytest.fixture
def signup_world(world):
    world.org["settings"]["self_signup"] = True
    return world


def last_link(world, kind: str, to: str) -> str:
    [mail] = [m for m in world.fake.sent_mails if m["kind"] == kind and m["to"] == to][-1:]
    return mail["link"]


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def ask_reset(app, email: str, console: bool = False, scheme: str = "http"):
    path = "/console/reset" if console else "/reset"
    return Browser(app, scheme=scheme).submit(path, {"email": email})


# -- the way in --------------------------------------------------------------------------------
def test_the_sign_in_pages_lead_to_the_reset_pages_and_sign_up_only_where_it_is_offered(world, app):
    portal_page = Browser(app).get("/signin").get_data(as_text=True)
    assert '<a href="/reset">Forgot your password?</a>' in portal_page
    assert "/signup" not in portal_page
    console_page = Browser(app).get("/console/signin").get_data(as_text=True)
    assert '<a href="/console/reset">Forgot your password?</a>' in console_page
    world.org["settings"]["self_signup"] = True
    assert '<a href="/signup">Create an account</a>' in Browser(app).get("/signin").get_data(as_text=True)


def test_the_pages_are_branded_and_every_field_has_its_label(signup_world, app):
    world = signup_world
    ask_reset(app, "ann@globex.test")
    reset_path = path_of(last_link(world, "password_reset", "ann@globex.test"))
    pages = {"/reset": ["E-mail"], "/console/reset": ["E-mail"],
             reset_path: ["New password", "Repeat the new password", "ann@globex.test"],
             "/signup": ["Your name", "Company (optional)", "E-mail", "Password", "Repeat the password"],
             "/verify/some-token": ["Confirm and create my account"]}
    for path, words in pages.items():
        response = Browser(app).get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert "Acme Trading" in html and len(re.findall(r"<h1[ >]", html)) == 1, path
        assert unlabelled_fields(html) == [], path
        for word in words:
            assert word in text(response), (path, word)


# -- password reset ----------------------------------------------------------------------------
def test_asking_for_a_reset_shows_the_same_page_for_any_address(world, app):
    known, unknown = ask_reset(app, "ann@globex.test"), ask_reset(app, "nobody@globex.test")
    assert known.status_code == unknown.status_code == 200
    assert SAME_PAGE_FOR_ANY_ADDRESS in text(known) and text(known) == text(unknown)
    assert [m["to"] for m in world.fake.sent_mails] == ["ann@globex.test"]


def test_the_mailed_link_points_at_this_site_as_the_person_reached_it(world, app):
    ask_reset(app, "ann@globex.test", scheme="https")
    assert last_link(world, "password_reset", "ann@globex.test").startswith(f"https://{HOST}/reset/")


def test_a_mailed_link_points_at_the_orgs_own_address_whatever_the_request_said(world):
    """Issue 14, case 15: the link is built from the org's configured host, never from the
    Host header's port or scheme (a request to portal.test:8443 over plain http)."""
    app = make_app(world.fake, PORTAL_ENV="production", SESSION_COOKIE_SECURE=False,
                   PORTAL_PUBLIC_URL="https://{host}", GATEWAY_RATELIMIT_RECOVERY="1000 per minute")
    Browser(app, host=f"{HOST}:8443").submit("/reset", {"email": "ann@globex.test"})
    assert last_link(world, "password_reset", "ann@globex.test").startswith(f"https://{HOST}/reset/")


def test_the_reset_link_sets_the_password_and_signs_the_person_in(world, app):
    elsewhere = Browser(app)
    elsewhere.sign_in(world.ann)
    ask_reset(app, "ann@globex.test")
    path = path_of(last_link(world, "password_reset", "ann@globex.test"))
    browser = Browser(app)
    page = browser.get(path)
    assert "Choose a new password" in text(page) and "ann@globex.test" in text(page)
    differ = browser.send(path, {"password": NEW_PASSWORD, "repeat": "something else entirely"})
    assert differ.status_code == 400 and "The two passwords are not the same." in text(differ)
    short = browser.send(path, {"password": "too short", "repeat": "too short"})
    assert short.status_code == 422
    assert re.search(r'<ul class="field-errors" id="password-error"><li>Use at least 12 characters.</li></ul>',
                     short.get_data(as_text=True))
    done = browser.send(path, {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert browser.cookie("portal") is not None
    home = browser.get("/")
    assert "Welcome, Ann Example" in text(home) and "Your new password is set." in text(home)
    assert world.ann.password == NEW_PASSWORD
    assert elsewhere.get("/").headers["Location"].startswith("/signin")      # signed out there
    again = Browser(app).get(path)
    assert again.status_code == 404 and "This reset link is not valid any more." in text(again)


def test_a_reset_for_someone_with_mfa_goes_to_the_code_page_first(world, app):
    ask_reset(app, "bob@globex.test")
    browser = Browser(app)
    done = browser.submit(path_of(last_link(world, "password_reset", "bob@globex.test")),
                          {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert done.headers["Location"] == "/signin/mfa"
    assert browser.get("/").headers["Location"] == "/signin/mfa"


def test_staff_reset_from_the_console_and_land_on_the_code_page(world, app):
    ask_reset(app, "sam@acme.test")                                   # the portal's page: contacts only
    assert world.fake.sent_mails == []
    sent = ask_reset(app, "sam@acme.test", console=True)
    assert SAME_PAGE_FOR_ANY_ADDRESS in text(sent)
    browser = Browser(app)
    done = browser.submit(path_of(last_link(world, "password_reset", "sam@acme.test")),
                          {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert done.headers["Location"] == "/signin/mfa" and world.sam.password == NEW_PASSWORD


def test_a_link_that_is_not_valid_is_a_readable_page(world, app):
    response = Browser(app).get("/reset/no-such-token")
    assert response.status_code == 404
    assert "This link does not work" in text(response) and "This reset link is not valid any more." in text(response)
    assert 'href="/reset">Ask for a new link</a>' in response.get_data(as_text=True)


# -- CSRF --------------------------------------------------------------------------------------
def test_every_recovery_form_needs_its_csrf_token(signup_world, app):
    world = signup_world
    ask_reset(app, "ann@globex.test")
    reset_path = path_of(last_link(world, "password_reset", "ann@globex.test"))
    browser = Browser(app)
    browser.get("/signup")
    assert browser.post("/signup", {"name": "Kim", "email": "kim@new.test", "password": NEW_PASSWORD,
                                    "repeat": NEW_PASSWORD}, csrf=False).status_code == 400
    assert browser.post("/reset", {"email": "bob@globex.test"}, csrf=False).status_code == 400
    refused = browser.post(reset_path, {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD}, csrf=False)
    assert refused.status_code == 400 and "This form has expired" in text(refused)
    assert [m["to"] for m in world.fake.sent_mails] == ["ann@globex.test"]          # no mail for bob or kim
    assert world.ann.password != NEW_PASSWORD
    world.fake.signups["pending"] = {"org_id": world.org["org_id"], "email": "kim@new.test", "name": "Kim",
                                     "company": None, "password": NEW_PASSWORD}
    assert browser.post("/verify/pending", csrf=False).status_code == 400
    assert "pending" in world.fake.signups


def test_the_recovery_forms_are_rate_limited(world):
    app = make_app(world.fake, GATEWAY_RATELIMIT_RECOVERY="1 per minute")
    browser = Browser(app)
    assert browser.submit("/reset", {"email": "ann@globex.test"}).status_code == 200
    assert browser.submit("/reset", {"email": "ann@globex.test"}).status_code == 429
    assert len(world.fake.sent_mails) == 1


# -- self sign-up ------------------------------------------------------------------------------
def test_sign_up_does_not_exist_where_the_org_does_not_offer_it(world, app):
    browser = Browser(app)
    assert browser.get("/signup").status_code == 404
    assert browser.get("/verify/some-token").status_code == 404
    browser.get("/signin")
    assert browser.post("/signup", {"name": "Kim", "email": "kim@new.test", "password": NEW_PASSWORD,
                                    "repeat": NEW_PASSWORD}).status_code == 404
    assert world.fake.sent_mails == []


def sign_up(app, email="kim@new.test", password=NEW_PASSWORD, company="Kim Co"):
    return Browser(app).submit("/signup", {"name": "Kim New", "company": company, "email": email,
                                           "password": password, "repeat": password})


def test_sign_up_then_confirm_signs_the_new_person_in_and_only_the_post_confirms(signup_world, app):
    world = signup_world
    sent = sign_up(app)
    assert sent.status_code == 200 and "Check your e-mail" in text(sent) and "kim@new.test" in text(sent)
    path = path_of(last_link(world, "email_verification", "kim@new.test"))
    browser = Browser(app)
    page = browser.get(path)
    assert page.status_code == 200 and "Confirm your address" in text(page)
    assert browser.get(path).status_code == 200                          # a scanner may open it twice
    assert not any(login.email == "kim@new.test" for login in world.fake.logins.values())
    done = browser.send(path, {})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    home = browser.get("/")
    assert "Welcome, Kim New" in text(home) and "Kim Co" in text(home)
    assert "Your address is confirmed" in text(home)
    again = Browser(app)
    again.get(path)
    used = again.send(path, {})
    assert used.status_code == 404 and "This link is not valid any more." in text(used)


def test_where_the_org_requires_mfa_a_new_account_enrols_first(signup_world, app):
    signup_world.org["settings"]["mfa_required"] = True
    sign_up(app)
    path = path_of(last_link(signup_world, "email_verification", "kim@new.test"))
    assert Browser(app).submit(path, {}).headers["Location"] == "/mfa/enrol"


def test_sign_up_problems_sit_under_their_fields(signup_world, app):
    weak = sign_up(app, password="too short")
    assert weak.status_code == 422
    assert re.search(r'<ul class="field-errors" id="password-error"><li>Use at least 12 characters.</li></ul>',
                     weak.get_data(as_text=True))
    browser = Browser(app)
    differ = browser.submit("/signup", {"name": "Kim", "email": "kim@new.test", "password": NEW_PASSWORD,
                                        "repeat": "not the same at all"})
    assert differ.status_code == 400 and "The two passwords are not the same." in text(differ)
    assert signup_world.fake.sent_mails == []


def test_an_address_that_has_an_account_gets_the_same_page_and_its_owner_a_reset_link(signup_world, app):
    world = signup_world
    taken, fresh = sign_up(app, "ann@globex.test"), sign_up(app, "kim@new.test")
    assert text(taken).replace("ann@globex.test", "kim@new.test") == text(fresh)
    assert [(m["kind"], m["to"]) for m in world.fake.sent_mails] == [("password_reset", "ann@globex.test"),
                                                                     ("email_verification", "kim@new.test")]
    assert [c["name"] for c in world.fake.customers.values()] == ["Globex Ltd"]


def test_a_link_for_an_address_that_got_an_account_meanwhile_says_so(signup_world, app):
    world = signup_world
    sign_up(app)
    path = path_of(last_link(world, "email_verification", "kim@new.test"))
    world.fake.add_contact(world.org, world.customer, "kim@new.test", "Kim at Globex")
    response = Browser(app).submit(path, {})
    assert response.status_code == 409 and "already has an account" in text(response)
    assert 'href="/signin"' in response.get_data(as_text=True)
