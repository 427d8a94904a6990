"""Portal pages as people see them: profile, modules, branding, accessibility basics."""
from __future__ import annotations

import re

import pytest

from tests.integration.gateway.conftest import Browser, text

INPUT = re.compile(r"<(input|select|textarea)\b([^>]*)>")


def unlabelled_fields(html: str) -> list[str]:
    labels = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    missing = []
    for _tag, attributes in INPUT.findall(html):
        if 'type="hidden"' in attributes:
            continue
        found = re.search(r'\bid="([^"]+)"', attributes)
        if not found or found.group(1) not in labels:
            missing.append(attributes.strip())
    return missing


def test_the_profile_is_shown_and_saved_with_a_flash(world, app):
    browser = Browser(app)
    browser.sign_in(world.ann)
    page = browser.get("/profile")
    assert page.status_code == 200
    assert 'value="Ann Example"' in page.get_data(as_text=True)
    response = browser.send("/profile", {
        "name": "Ann Changed", "phone": "+44 20 7946 0000", "language": "de", "line1": "1 High Street",
        "line2": "", "city": "London", "postcode": "N1 9GU", "country": "United Kingdom",
        "notify_invoices": "y", "notify_tickets": "y"})
    assert response.status_code == 302 and response.headers["Location"] == "/profile"
    page = browser.get("/profile")
    assert "Profile saved." in text(page)
    assert world.ann.name == "Ann Changed"
    assert world.ann.profile["address"]["city"] == "London"
    assert world.ann.profile["notify"] == {"invoices": True, "payments": False, "tickets": True,
                                           "documents": False, "orders": False}
    html = page.get_data(as_text=True)
    assert 'value="London"' in html and '<option selected value="de">' in html
    home = browser.get("/")                     # the name and the language (German) apply at once
    assert "Willkommen, Ann Changed" in text(home) and '<html lang="de" dir="ltr">' in home.get_data(as_text=True)


def test_a_profile_problem_sits_under_its_field(world, app):
    browser = Browser(app)
    browser.sign_in(world.ann)
    response = browser.submit("/profile", {"name": "Ann", "phone": "call me maybe", "language": "en"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'<input aria-describedby="phone-error" aria-invalid="true"[^>]*id="phone"', html)
    assert re.search(r'<ul class="field-errors" id="phone-error"><li>Not a phone number.</li></ul>', html)
    assert 'role="alert"' in html
    assert "{" not in text(response)


def test_the_dashboard_welcomes_the_contact_with_their_customer(world, app):
    browser = Browser(app)
    browser.sign_in(world.ann)
    words = text(browser.get("/"))
    assert "Welcome, Ann Example" in words and "Globex Ltd" in words and "Acme Trading" in words
    assert "Set up two-step verification" in words                   # MFA is off for Ann


def test_voluntary_enrolment_from_a_full_session(world, app):
    browser = Browser(app)
    browser.sign_in(world.ann)
    assert browser.get("/mfa/enrol").status_code == 200
    assert browser.get("/signin/mfa").headers["Location"] == "/"      # nothing pending


def test_signed_in_person_opening_sign_in_goes_home(world, app):
    browser = Browser(app)
    browser.sign_in(world.ann)
    assert browser.get("/signin").headers["Location"] == "/"


def pages_of_every_kind(world, app):
    visitor = Browser(app)
    yield "/signin", visitor.get("/signin")
    yield "/console/signin", visitor.get("/console/signin")
    contact = world.fake.add_contact(world.org, world.customer, "cy@globex.test", "Cy", password=None,
                                     status="invited")
    world.fake.invitations["tok"] = contact.id
    yield "/invite/tok", visitor.get("/invite/tok")
    half = Browser(app)
    half.sign_in(world.bob)
    yield "/signin/mfa", half.get("/signin/mfa")
    yield "/signin/recovery", half.get("/signin/recovery")
    ann = Browser(app)
    ann.sign_in(world.ann)
    for path in ("/", "/profile", "/password", "/mfa/enrol", "/invoices"):
        yield path, ann.get(path)
    staff = Browser(app)
    staff.sign_in(world.sam, fake=world.fake)
    for path in ("/console", "/console/customers", f"/console/customers/{world.customer['customer_id']}",
                 "/console/settings", "/console/password"):
        yield path, staff.get(path)


def test_every_page_is_branded_accessible_and_phone_ready(world, app):
    seen = 0
    for path, response in pages_of_every_kind(world, app):
        seen += 1
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert "Acme Trading" in html, path
        assert '<html lang="en" dir="ltr">' in html, path
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html, path
        assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html, path
        assert len(re.findall(r"<h1[ >]", html)) == 1, path
        assert unlabelled_fields(html) == [], path
        assert re.search(r"<title>[^<]+</title>", html), path
        assert '<link rel="icon" href="/static/favicon.svg"' in html, path
    assert seen == 15


def test_the_favicon_is_served_as_an_image(app):
    icon = Browser(app).get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and icon.data.startswith(b"<svg")


@pytest.mark.parametrize("path", ["/", "/signin"])
def test_the_home_page_without_a_session_shows_the_org_name_as_its_heading(world, app, path):
    response = Browser(app).get(path, follow_redirects=True)
    assert re.findall(r"<h1>([^<]*)</h1>", response.get_data(as_text=True)) == ["Acme Trading"]
    assert text(response).count("Acme Trading") == 2           # the heading, and the page's title

