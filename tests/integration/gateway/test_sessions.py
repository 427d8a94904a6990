"""Sessions: the opaque token in a cookie, rotated at every step, resolved through identity
(cached briefly, keyed by a hash), cleared at sign-out."""
from __future__ import annotations

import hashlib
import re
import time

import pyotp

from tests.integration.gateway.conftest import HOST, Browser, make_app, text


def test_sign_in_then_mfa_then_dashboard_rotates_the_cookie(world, app):
    browser = Browser(app)
    response = browser.submit("/signin", {"email": "bob@globex.test", "password": "correct horse battery"})
    assert response.status_code == 302 and response.headers["Location"] == "/signin/mfa"
    password_token = browser.cookie("portal").value

    page = browser.get("/signin/mfa")
    assert page.status_code == 200
    assert "Enter the 6-digit code" in text(page)
    assert 'href="/signin/recovery"' in page.get_data(as_text=True)

    response = browser.post("/signin/mfa", {"code": world.fake.code_for(world.bob)})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    mfa_token = browser.cookie("portal").value
    assert mfa_token != password_token

    page = browser.get("/")
    assert page.status_code == 200
    assert "Welcome, Bob Example" in text(page) and "Globex Ltd" in text(page)

    # the old cookie is dead: identity ended it at rotation, and the gateway dropped its cache entry
    thief = Browser(app)
    thief.client.set_cookie("portal", password_token, domain=HOST)
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/signin")
    assert "portal=;" in " ".join(response.headers.getlist("Set-Cookie"))      # and is cleared


def test_a_wrong_code_says_so_with_the_attempts_left(world, app):
    browser = Browser(app)
    browser.sign_in(world.bob)
    response = browser.submit("/signin/mfa", {"code": "000000"})
    assert response.status_code == 422
    assert "That code is not right. 4 attempts left." in text(response)


def test_too_many_wrong_codes_end_the_session(world, app):
    browser = Browser(app)
    browser.sign_in(world.bob)
    for _ in range(4):
        browser.submit("/signin/mfa", {"code": "000000"})
    response = browser.post("/signin/mfa", {"code": "000000"})
    assert response.headers["Location"] == "/signin"
    page = browser.get("/signin")
    assert "Too many wrong codes. Please sign in again." in text(page)
    assert browser.get("/").headers["Location"].startswith("/signin")


def test_a_code_that_is_not_six_digits_is_refused_before_identity(world, app):
    browser = Browser(app)
    browser.sign_in(world.bob)
    response = browser.submit("/signin/mfa", {"code": "12ab"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter the 6 digits your app shows." in page
    assert 'aria-describedby="code-error"' in page and 'id="code-error"' in page


def test_a_recovery_code_signs_in_once(world, app):
    world.bob.recovery_codes = {"aaaa-bbbb"}
    browser = Browser(app)
    browser.sign_in(world.bob)
    response = browser.submit("/signin/recovery", {"code": "aaaa-bbbb"})
    assert response.headers["Location"] == "/"
    again = Browser(app)
    again.sign_in(world.bob)
    assert again.submit("/signin/recovery", {"code": "aaaa-bbbb"}).status_code == 422


def test_enrolment_shows_qr_and_secret_then_the_recovery_codes_once(world, app):
    world.org["settings"]["mfa_required"] = True
    browser = Browser(app)
    assert browser.sign_in(world.ann).headers["Location"] == "/mfa/enrol"
    page = browser.get("/mfa/enrol")
    html = page.get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7]+)</code>', html).group(1)
    assert secret == world.ann.pending_secret
    assert re.search(r'<img class="qr" src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="[^"]+"', html)
    assert "<svg" not in html                                        # never inlined as markup

    wrong = browser.send("/mfa/enrol", {"code": "000000"})
    assert wrong.status_code == 422
    assert secret in wrong.get_data(as_text=True)                    # the same QR code, not a new one
    assert world.ann.pending_secret == secret

    before = browser.cookie("portal").value
    done = browser.send("/mfa/enrol", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]+)</code></li>", done.get_data(as_text=True))
    assert sorted(codes) == sorted(world.ann.recovery_codes) and len(codes) == 10
    assert 'href="/"' in done.get_data(as_text=True)
    assert browser.cookie("portal").value != before
    assert done.headers["Cache-Control"] == "no-store"
    assert browser.get("/").status_code == 200


def test_staff_sign_in_enrols_then_reaches_the_console(world, app):
    newbie = world.fake.add_staff(world.org, "neo@acme.test", "Neo Staff", role="admin", mfa=False)
    browser = Browser(app)
    assert browser.sign_in(newbie).headers["Location"] == "/mfa/enrol"
    assert browser.get("/console").headers["Location"] == "/mfa/enrol"
    browser.get("/mfa/enrol")
    done = browser.send("/mfa/enrol", {"code": pyotp.TOTP(newbie.pending_secret).now()})
    assert 'href="/console"' in done.get_data(as_text=True)
    assert browser.get("/console").status_code == 200


def test_wrong_password_message_comes_from_identity(world, app):
    browser = Browser(app)
    response = browser.submit("/signin", {"email": "ann@globex.test", "password": "nope"})
    assert response.status_code == 401
    assert "The e-mail or password is not right." in text(response)
    assert browser.cookie("portal") is None


def test_identity_throttling_reads_as_a_sentence(world, app):
    world.fake.failed_sign_ins[f"{world.org['org_id']}:ann@globex.test"] = 5
    response = Browser(app).submit("/signin", {"email": "ann@globex.test", "password": "nope"})
    assert response.status_code == 429
    assert "Too many failed sign-ins. Please try again in 5 minutes." in text(response)


def test_sign_in_passes_the_client_ip_and_user_agent(world, app):
    browser = Browser(app)
    browser.get("/signin")
    browser.post("/signin", {"email": "ann@globex.test", "password": "correct horse battery"},
                 headers={"User-Agent": "Firefox/140"}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    [session] = world.fake.sessions_of(world.ann)
    assert (session.ip, session.user_agent) == ("203.0.113.9", "Firefox/140")


def test_cookie_in_dev_is_portal_without_secure(world, app):
    response = Browser(app).submit("/signin", {"email": "ann@globex.test", "password": "correct horse battery"})
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("portal=")]
    attributes = [a.strip() for a in cookie.split(";")]
    assert "HttpOnly" in attributes and "SameSite=Lax" in attributes and "Path=/" in attributes
    assert "Secure" not in attributes
    assert not any(a.lower().startswith(("domain", "expires", "max-age")) for a in attributes)


def test_cookie_outside_dev_is_host_prefixed_and_secure(world):
    app = make_app(world.fake, PORTAL_ENV="production")
    browser = Browser(app, scheme="https")
    response = browser.submit("/signin", {"email": "ann@globex.test", "password": "correct horse battery"})
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    [cookie] = [c for c in cookies if c.startswith("__Host-portal=")]
    attributes = [a.strip() for a in cookie.split(";")]
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= set(attributes)
    assert not any(a.lower().startswith("domain") for a in attributes)
    assert not any(c.startswith("portal=") for c in cookies)
    state = browser.cookie("__Host-portal-state")                  # the CSRF/flash cookie, likewise
    assert state is not None and state.secure and state.http_only and state.same_site == "Lax"
    assert browser.get("/").status_code == 200


def test_the_session_cache_is_keyed_by_a_hash_and_saves_identity_calls(world, app):
    browser = Browser(app)
    browser.sign_in(world.ann)
    token = browser.cookie("portal").value
    world.fake.resolves = 0
    for _ in range(5):
        assert browser.get("/").status_code == 200
    assert world.fake.resolves == 0                     # primed by the sign-in answer, then cached
    keys = list(app.extensions["gateway"].sessions._items)
    assert keys == [(world.org["org_id"], hashlib.sha256(token.encode()).hexdigest())]
    assert token not in repr(app.extensions["gateway"].sessions._items)


def test_a_revoked_session_stops_working_after_the_cache_ttl(world):
    app = make_app(world.fake, GATEWAY_SESSION_CACHE_SECONDS=0.2)
    browser = Browser(app)
    browser.sign_in(world.ann)
    assert browser.get("/").status_code == 200
    world.fake.revoke_all(world.org["org_id"], world.ann.id)        # staff, elsewhere
    assert browser.get("/").status_code == 200                        # within the documented delay
    time.sleep(0.25)
    assert browser.get("/").headers["Location"].startswith("/signin")


def test_sign_out_ends_the_session_and_clears_the_cookie(world, app):
    browser = Browser(app)
    browser.sign_in(world.ann)
    token = browser.cookie("portal").value
    response = browser.post("/signout")
    assert response.headers["Location"] == "/signin"
    assert browser.cookie("portal") is None
    assert token not in world.fake.sessions
    assert "You are signed out." in text(browser.get("/signin"))
    thief = Browser(app)
    thief.client.set_cookie("portal", token, domain=HOST)
    assert thief.get("/").status_code == 302


def test_sign_out_works_half_way_through_mfa(world, app):
    browser = Browser(app)
    browser.sign_in(world.bob)
    assert browser.post("/signout").headers["Location"] == "/signin"
    assert world.fake.sessions_of(world.bob) == []


def test_sign_out_everywhere_ends_every_session_including_this_one(world, app):
    laptop, phone = Browser(app), Browser(app)
    laptop.sign_in(world.ann)
    phone.sign_in(world.ann)
    response = laptop.post("/signout/everywhere")
    assert response.headers["Location"] == "/signin"
    assert world.fake.sessions_of(world.ann) == []
    assert laptop.cookie("portal") is None
    assert "signed out on every device" in text(laptop.get("/signin"))


def test_password_change_rotates_the_cookie_and_ends_other_sessions(world, app):
    laptop, phone = Browser(app), Browser(app)
    laptop.sign_in(world.ann)
    phone.sign_in(world.ann)
    before = laptop.cookie("portal").value
    response = laptop.submit("/password", {"current_password": "correct horse battery",
                                           "new_password": "a much longer secret", "repeat": "a much longer secret"})
    assert response.headers["Location"] == "/"
    assert laptop.cookie("portal").value != before
    page = laptop.get("/")
    assert page.status_code == 200
    assert "Your password was changed." in text(page)
    assert len(world.fake.sessions_of(world.ann)) == 1
    assert phone.get("/").headers["Location"].startswith("/signin")


def test_password_change_errors_sit_under_their_fields(world, app):
    browser = Browser(app)
    browser.sign_in(world.ann)
    response = browser.submit("/password", {"current_password": "wrong", "new_password": "a much longer secret",
                                            "repeat": "a much longer secret"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "That is not your current password." in html
    assert 'aria-describedby="current_password-error"' in html
    mismatch = browser.submit("/password", {"current_password": "x", "new_password": "one", "repeat": "two"})
    assert mismatch.status_code == 400
    assert "The two passwords are not the same." in text(mismatch)


def test_an_invitation_sets_the_password_and_signs_in(world, app):
    contact = world.fake.add_contact(world.org, world.customer, "cy@globex.test", "Cy New", password=None,
                                     status="invited")
    token = "invite-token-123"
    world.fake.invitations[token] = contact.id
    browser = Browser(app)
    page = browser.get(f"/invite/{token}")
    assert page.status_code == 200
    assert "Welcome, Cy New" in text(page) and "cy@globex.test" in text(page) and "Globex Ltd" in text(page)

    weak = browser.post(f"/invite/{token}", {"password": "short", "repeat": "short"})
    assert weak.status_code == 422
    assert "Use at least 12 characters." in text(weak)
    assert 'aria-describedby="password-hint password-error"' in weak.get_data(as_text=True)

    response = browser.post(f"/invite/{token}", {"password": "a long new password", "repeat": "a long new password"})
    assert response.headers["Location"] == "/"
    assert browser.get("/").status_code == 200
    assert contact.status == "active"
    assert "not valid any more" in text(Browser(app).get(f"/invite/{token}"))


def test_an_invitation_continues_to_enrolment_when_mfa_is_required(world, app):
    world.org["settings"]["mfa_required"] = True
    contact = world.fake.add_contact(world.org, world.customer, "cy@globex.test", "Cy", password=None,
                                     status="invited")
    world.fake.invitations["tok"] = contact.id
    browser = Browser(app)
    browser.get("/invite/tok")
    response = browser.post("/invite/tok", {"password": "a long new password", "repeat": "a long new password"})
    assert response.headers["Location"] == "/mfa/enrol"


def test_an_unknown_invitation_reads_as_a_sentence(world, app):
    response = Browser(app).get("/invite/nope")
    assert response.status_code == 404
    assert "This invitation link is not valid any more." in text(response)
