"""Deny by default: every view is declared, and each declaration holds."""
from __future__ import annotations

import pytest
from flask import Flask

from gateway.web.access import API, CONSOLE, PENDING_MFA, PORTAL, PUBLIC, declaration, public
from tests.integration.gateway.conftest import Browser, make_app, text

DECLARATIONS = {PUBLIC, PORTAL, PENDING_MFA, CONSOLE, API}


def undeclared_endpoints(app: Flask) -> list[str]:
    return sorted(rule.endpoint for rule in app.url_map.iter_rules()
                  if (declaration(app.view_functions[rule.endpoint]) or (None,))[0] not in DECLARATIONS)


def endpoints_declared(app: Flask, kind: str) -> list[str]:
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if declaration(app.view_functions[rule.endpoint])[0] == kind
                  and "GET" in rule.methods and not rule.arguments)


def test_every_endpoint_carries_one_access_declaration(app):
    assert len(list(app.url_map.iter_rules())) > 30
    assert undeclared_endpoints(app) == []


def test_the_walk_catches_an_undeclared_view(world):
    app = make_app(world.fake)
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    app.add_url_rule("/fine", "fine", public(lambda: "ok"))
    assert undeclared_endpoints(app) == ["forgotten"]


def test_public_pages_are_only_the_expected_ones(app):
    public_rules = sorted(rule.rule for rule in app.url_map.iter_rules()
                          if declaration(app.view_functions[rule.endpoint])[0] == PUBLIC)
    assert public_rules == ["/api/v1/openapi.json",      # the API's document: no data, read before a key
                            "/brand/logo", "/brand/theme.css", "/console/reset", "/console/signin", "/healthz", "/invite/<token>", "/metrics",
                            "/pay/<token>", "/pay/<token>", "/pay/<token>/payments/<payment_id>",   # page, Pay
                            "/pay/<token>/payments/<payment_id>/cancel",
                            "/pay/<token>/payments/<payment_id>/receipt.pdf", "/pay/<token>/payments/<payment_id>/status", "/readyz",
                            "/receipts/<payment_id>",           # a link payer's receipt, for the address they typed
                            "/reset", "/reset/<token>", "/signin", "/signout", "/signup",
                            "/static/<path:filename>",
                            "/unsubscribe/<token>", "/unsubscribe/<token>", "/unsubscribe/<token>/one-click",  # page, confirm
                            "/verify/<token>", "/webhooks/<name>"]


def test_without_a_session_portal_pages_go_to_sign_in_which_shows_the_org_name(browser, app):
    for path in endpoints_declared(app, PORTAL):
        response = browser.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/signin"), path
    page = browser.get("/", follow_redirects=True)
    assert page.status_code == 200
    assert "<h1>Acme Trading</h1>" in page.get_data(as_text=True)


def test_without_a_session_console_pages_go_to_the_staff_sign_in(browser, app):
    for path in endpoints_declared(app, CONSOLE):
        response = browser.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/console/signin")


def test_a_password_only_session_is_sent_to_mfa_from_every_portal_and_console_page(world, app):
    browser = Browser(app)
    response = browser.sign_in(world.bob)              # MFA on, code not entered yet
    assert response.headers["Location"] == "/signin/mfa"
    for path in endpoints_declared(app, PORTAL) + endpoints_declared(app, CONSOLE):
        response = browser.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/signin/mfa", path
    assert browser.post("/signout/everywhere").headers["Location"] == "/signin/mfa"
    assert browser.post("/profile", {"name": "Mallory"}).headers["Location"] == "/signin/mfa"
    assert world.bob.name == "Bob Example"


def test_a_session_that_must_enrol_is_sent_to_enrolment(world, app):
    world.org["settings"]["mfa_required"] = True
    browser = Browser(app)
    assert browser.sign_in(world.ann).headers["Location"] == "/mfa/enrol"
    assert browser.get("/invoices").headers["Location"] == "/mfa/enrol"
    assert browser.get("/signin/mfa").headers["Location"] == "/mfa/enrol"


def test_a_password_only_session_cannot_replace_the_authenticator(world, app):
    browser = Browser(app)
    browser.sign_in(world.bob)
    response = browser.get("/mfa/enrol")
    assert response.headers["Location"] == "/signin/mfa"
    assert world.bob.pending_secret is None


def test_a_contact_on_the_console_gets_404(world, app):
    browser = Browser(app)
    browser.sign_in(world.ann)
    for path in endpoints_declared(app, CONSOLE):
        assert browser.get(path).status_code == 404, path
    customer = world.customer["customer_id"]
    assert browser.post(f"/console/customers/{customer}/contacts/{world.ann.id}/permissions",
                        {f"c-{world.ann.id}-permissions": ["view", "pay", "upload"]}).status_code == 404
    assert "upload" not in world.ann.permissions


def test_staff_on_portal_pages_go_to_the_console(world, app):
    browser = Browser(app)
    browser.sign_in(world.sam, fake=world.fake)
    for path in endpoints_declared(app, PORTAL):
        response = browser.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/console", path
    assert browser.get("/console").status_code == 200


def test_a_module_switched_off_does_not_exist(world, app):
    browser = Browser(app)
    browser.sign_in(world.ann)
    assert browser.get("/invoices").status_code == 200
    response = browser.get("/projects")                 # not among the org's modules
    assert response.status_code == 404
    assert "There is no page at this address." in text(response)


def test_a_missing_permission_is_a_readable_403(world, app):
    world.ann.permissions = ["pay"]
    browser = Browser(app)
    browser.sign_in(world.ann)
    response = browser.get("/invoices")
    assert response.status_code == 403
    assert "Your account does not have access to this page." in text(response)


def test_navigation_shows_only_modules_on_for_the_org_and_viewable(world, app):
    world.org["settings"]["modules"] = ["invoices", "tickets", "projects"]
    browser = Browser(app)
    browser.sign_in(world.ann)
    page = browser.get("/").get_data(as_text=True)
    for shown in ("/invoices", "/tickets", "/projects"):
        assert f'href="{shown}"' in page
    for hidden in ("/payments", "/documents", "/quotes", "/credit-notes"):
        assert f'href="{hidden}"' not in page

    world.ann.permissions = ["pay"]                      # no "view": no module at all
    other = Browser(make_app(world.fake))
    other.sign_in(world.ann)
    page = other.get("/").get_data(as_text=True)
    assert 'href="/invoices"' not in page
    assert "nothing for you to see here yet" in page


def test_a_closed_portal_shows_the_closed_page_but_the_console_works(world, app):
    world.org["settings"]["portal_enabled"] = False
    browser = Browser(app)
    response = browser.get("/signin")
    assert response.status_code == 503
    assert "The portal is closed" in text(response)
    staff = Browser(app)
    staff.sign_in(world.sam, fake=world.fake)
    assert staff.get("/console").status_code == 200


def test_a_closed_portal_closes_signed_in_pages_too(world):
    app = make_app(world.fake)
    browser = Browser(app)
    browser.sign_in(world.ann)
    world.org["settings"]["portal_enabled"] = False
    app.extensions["gateway"].orgs.drop("portal.test")
    response = browser.get("/invoices")
    assert response.status_code == 503
    assert "The portal is closed" in text(response)


def test_agents_may_not_open_settings(world, app):
    browser = Browser(app)
    browser.sign_in(world.ada, fake=world.fake)
    response = browser.get("/console/settings")
    assert response.status_code == 403
    assert "Your role does not allow this page." in text(response)
    assert browser.get("/console/customers").status_code == 200


def test_an_unknown_host_has_no_portal(world, app):
    response = Browser(app, host="elsewhere.test").get("/signin")
    assert response.status_code == 404
    assert "There is no portal at this address." in text(response)


def test_a_session_of_another_org_is_not_honoured(world):
    other_org = world.fake.add_org("other.test", "Other Co")
    app = make_app(world.fake)
    browser = Browser(app)
    browser.sign_in(world.ann)
    token = browser.cookie("portal").value
    stranger = Browser(app, host="other.test")
    stranger.client.set_cookie("portal", token, domain="other.test")
    assert stranger.get("/").headers["Location"].startswith("/signin")
    assert other_org["name"] in text(stranger.get("/signin"))


@pytest.mark.parametrize("target, expected", [("/invoices", "/invoices"), ("//evil.test/x", "/"),
                                              ("https://evil.test/", "/")])
def test_after_sign_in_only_local_next_targets_are_followed(world, app, target, expected):
    browser = Browser(app)
    browser.get("/signin")
    response = browser.post(f"/signin?next={target}", {"email": "ann@globex.test",
                                                        "password": "correct horse battery"})
    assert response.headers["Location"] == expected
