"""CSRF, Origin, rate limits, body size, untrusted headers, client IP, the signing secret,
identity being down, and the headers on every response."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from gateway.app import create_app
from gateway.clients.base import ServiceClient
from gateway.web.security import StripIdentityHeaders
from tests.integration.gateway.conftest import HOST, Browser, make_app, text
from tests.integration.gateway.http_stub import FailingAdapter

TEMPLATES = Path(__file__).resolve().parents[3] / "gateway" / "templates"
ANN = {"email": "ann@globex.test", "password": "correct horse battery"}


def test_a_post_without_the_csrf_token_is_refused(world, app):
    browser = Browser(app)
    browser.get("/signin")
    response = browser.post("/signin", ANN, csrf=False)
    assert response.status_code == 400
    assert "This form has expired or did not come from this site." in text(response)
    assert world.fake.sessions_of(world.ann) == []


def test_a_post_with_a_wrong_csrf_token_is_refused(world, app):
    browser = Browser(app)
    browser.get("/signin")
    assert browser.post("/signin", {**ANN, "csrf_token": "forged"}).status_code == 400
    assert world.fake.sessions_of(world.ann) == []


def test_a_post_with_the_token_from_the_form_is_accepted(world, app):
    browser = Browser(app)
    page = browser.get("/signin").get_data(as_text=True)
    assert re.search(r'<input id="csrf_token" name="csrf_token" type="hidden" value="[^"]+">', page)
    assert browser.post("/signin", ANN).status_code == 302
    assert len(world.fake.sessions_of(world.ann)) == 1


def test_state_changing_buttons_need_the_token_too(world, app):
    browser = Browser(app)
    browser.sign_in(world.ann)
    assert browser.post("/signout", csrf=False).status_code == 400
    assert browser.post("/signout/everywhere", csrf=False).status_code == 400
    assert len(world.fake.sessions_of(world.ann)) == 1
    assert browser.get("/").status_code == 200


def test_a_token_from_another_browser_does_not_work(world, app):
    mine, theirs = Browser(app), Browser(app)
    theirs.get("/signin")
    mine.get("/signin")
    assert mine.post("/signin", {**ANN, "csrf_token": theirs.token}).status_code == 400


def test_a_post_from_another_origin_is_refused(world, app):
    browser = Browser(app)
    browser.get("/signin")
    response = browser.post("/signin", ANN, headers={"Origin": "https://evil.test"})
    assert response.status_code == 403
    assert "sent from another site" in text(response)
    assert browser.post("/signin", ANN, headers={"Origin": "null"}).status_code == 403
    assert browser.post("/signin", ANN, headers={"Origin": f"http://{HOST}"}).status_code == 302


def test_forged_identity_headers_never_reach_the_app():
    seen = {}

    def inner(environ, start_response):
        seen.update(environ)
        start_response("200 OK", [])
        return [b""]

    environ = {"HTTP_X_ACTOR_ID": "staff-1", "HTTP_X_ACTOR_KIND": "staff", "HTTP_X_USER_ID": "u",
               "HTTP_X_PERMISSIONS": "pay", "HTTP_X_MFA_OK": "1", "HTTP_X_ACTOR": "x", "HTTP_ACCEPT": "text/html"}
    StripIdentityHeaders(inner)(environ, lambda *a: None)
    assert [k for k in seen if k.startswith("HTTP_")] == ["HTTP_ACCEPT"]


def test_forged_identity_headers_are_not_forwarded_to_identity(world, recording_identity):
    identity, adapter = recording_identity
    app = create_app(identity=identity, PORTAL_ENV="dev", SECRET_KEY="k", TESTING=True)
    browser = Browser(app)
    forged = {"X-Actor-Id": "staff-1", "X-Actor-Kind": "staff", "X-User-Id": "someone", "X-Permissions": "pay",
              "X-MFA-Verified": "true"}
    browser.get("/signin", headers=forged)
    browser.post("/signin", ANN, headers=forged)
    assert len(adapter.sent) >= 2
    for request in adapter.sent:
        names = {name.lower() for name in request.headers}
        assert not names & {n.lower() for n in forged}, request.url
        assert b"staff-1" not in (request.body or b"")


def test_rate_limit_on_sign_in_answers_a_readable_429(world):
    app = make_app(world.fake, GATEWAY_RATELIMIT_SIGNIN="3 per minute")
    browser = Browser(app)
    browser.get("/signin")
    for _ in range(3):
        assert browser.post("/signin", {"email": "ann@globex.test", "password": "wrong"}).status_code == 401
    response = browser.post("/signin", {"email": "ann@globex.test", "password": "wrong"})
    assert response.status_code == 429
    assert "Too many attempts" in text(response)
    assert browser.get("/signin").status_code == 200                       # reading the page is not limited
    other = Browser(app)
    other.get("/signin")
    assert other.post("/signin", ANN, environ_base={"REMOTE_ADDR": "198.51.100.20"}).status_code == 302


def test_rate_limit_on_mfa_codes(world):
    app = make_app(world.fake, GATEWAY_RATELIMIT_MFA="2 per minute")
    browser = Browser(app)
    browser.sign_in(world.bob)
    browser.get("/signin/mfa")
    assert browser.post("/signin/mfa", {"code": "000000"}).status_code == 422
    assert browser.post("/signin/mfa", {"code": "000000"}).status_code == 422
    assert browser.post("/signin/mfa", {"code": "000000"}).status_code == 429


def test_rate_limit_on_invitations(world):
    app = make_app(world.fake, GATEWAY_RATELIMIT_INVITE="1 per minute")
    browser = Browser(app)
    browser.get("/signin")
    assert browser.post("/invite/guess-1", {"password": "x", "repeat": "x"}).status_code == 404
    assert browser.post("/invite/guess-2", {"password": "x", "repeat": "x"}).status_code == 429


def test_the_client_ip_comes_from_x_forwarded_for_only_behind_trusted_proxies(world):
    for hops, expected in ((None, "10.0.0.1"), ("1", "198.51.100.7")):
        world.fake.sessions.clear()
        app = make_app(world.fake, GATEWAY_TRUSTED_PROXIES=hops)
        browser = Browser(app)
        browser.get("/signin")
        browser.post("/signin", ANN, headers={"X-Forwarded-For": "198.51.100.7"},
                     environ_base={"REMOTE_ADDR": "10.0.0.1"})
        [session] = world.fake.sessions_of(world.ann)
        assert session.ip == expected


def test_a_request_body_over_the_limit_is_a_readable_413(world):
    app = make_app(world.fake, MAX_CONTENT_LENGTH=2000)
    browser = Browser(app)
    browser.get("/signin")
    response = browser.post("/signin", {**ANN, "padding": "x" * 5000})
    assert response.status_code == 413
    assert "The padding is too long: a request may carry at most 2,000 bytes." in text(response)


def test_identity_down_is_a_friendly_503(world, app):
    browser = Browser(app)
    browser.sign_in(world.ann)
    world.fake.down = True
    app.extensions["gateway"].orgs.drop(HOST)
    response = browser.get("/")
    assert response.status_code == 503
    assert "cannot reach one of its services" in text(response)
    assert response.headers["Retry-After"] == "30"
    assert "{" not in text(response)
    # Still ready: a slow or absent identity must not take every gateway pod out of
    # service (payment webhooks go to billing; people get this readable page).
    assert app.test_client().get("/readyz").status_code == 200
    assert app.test_client().get("/healthz").status_code == 200


def test_identity_unreachable_over_http_is_a_friendly_503(world):
    app = create_app(service_urls={"identity": "http://identity.invalid"}, PORTAL_ENV="dev", SECRET_KEY="k")
    client = app.extensions["gateway"].identity.http
    assert isinstance(client, ServiceClient)
    client.session.mount("http://", FailingAdapter())
    response = Browser(app).get("/signin")
    assert response.status_code == 503
    assert "Temporarily unavailable" in text(response)


def test_every_response_carries_the_security_headers(world, app):
    browser = Browser(app)
    responses = [browser.get("/signin"), browser.get("/"), browser.get("/static/portal.css"),
                 browser.get("/static/htmx.min.js"), browser.get("/healthz"), browser.get("/nowhere"),
                 browser.post("/signin", ANN, csrf=False), browser.get("/invite/unknown")]
    browser.sign_in(world.ann)
    responses += [browser.get("/"), browser.get("/projects"), browser.get("/console")]
    world.fake.down = True
    responses.append(Browser(make_app(world.fake)).get("/signin"))
    statuses = {r.status_code for r in responses}
    assert {200, 302, 400, 404, 503} <= statuses
    for response in responses:
        headers = response.headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_are_not_cached_but_static_files_may_be(world, app):
    browser = Browser(app)
    browser.sign_in(world.ann)
    assert browser.get("/").headers["Cache-Control"] == "no-store"
    assert browser.get("/static/portal.css").headers.get("Cache-Control") != "no-store"


def test_templates_have_no_inline_scripts_or_styles():
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text()
        assert "style=" not in source, template
        assert "<style" not in source, template
        assert not re.search(r"<[^>]*\son[a-z]+=", source), template       # no inline event handlers
        for tag in re.findall(r"<script[^>]*>", source):
            assert "src=" in tag, template


def test_the_secret_key_is_required_outside_dev(world, monkeypatch):
    monkeypatch.delenv("GATEWAY_SECRET_KEY", raising=False)
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    with pytest.raises(RuntimeError, match="GATEWAY_SECRET_KEY is not set"):
        create_app(identity=world.fake)
    monkeypatch.setenv("GATEWAY_SECRET_KEY", "from-the-environment")
    assert create_app(identity=world.fake).config["SECRET_KEY"] == "from-the-environment"


def test_dev_without_a_secret_uses_a_random_one_and_warns(world, monkeypatch, caplog):
    monkeypatch.delenv("GATEWAY_SECRET_KEY", raising=False)
    monkeypatch.setenv("PORTAL_ENV", "dev")
    with caplog.at_level(logging.WARNING, logger="gateway"):
        first, second = create_app(identity=world.fake), create_app(identity=world.fake)
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert "GATEWAY_SECRET_KEY is not set" in caplog.text
