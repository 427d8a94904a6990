"""The org's brand in the portal: a readable colour and a logo, set in the console, on every
page through a stylesheet and an image the CSP allows (no inline style)."""
from __future__ import annotations

import io
import re

import pytest

from tests.integration.gateway.conftest import Browser, text
from tests.integration.identity.test_branding import png


@pytest.fixture
def owner(world, app) -> Browser:
    browser = Browser(app)
    assert browser.sign_in(world.sam, fake=world.fake).headers["Location"] == "/console"
    return browser


def fetch(app, path: str):
    """A plain GET, for what is not a page (an image)."""
    browser = Browser(app)
    return browser.client.get(path, base_url=browser.base)


def upload(browser, data: bytes, name="logo.png"):
    browser.get("/console/settings")
    return browser.post("/console/settings/logo", {"logo": (io.BytesIO(data), name)},
                        content_type="multipart/form-data")


def test_a_brand_colour_set_in_the_console_styles_every_page(world, owner, app):
    page = owner.get("/console/settings")
    assert 'type="color"' in page.get_data(as_text=True)
    response = owner.send("/console/settings", {"portal_enabled": "y", "modules": ["invoices"],
                                                "brand_colour": "#0B5D1E"})
    assert response.status_code == 302 and world.org["settings"]["brand_colour"] == "#0b5d1e"

    signin = Browser(app).get("/signin").get_data(as_text=True)
    assert '<link rel="stylesheet" href="/brand/theme.css?v=0b5d1e">' in signin
    css = Browser(app).get("/brand/theme.css?v=0b5d1e")
    assert css.mimetype == "text/css" and "--brand: #0b5d1e;" in css.get_data(as_text=True)
    assert "immutable" in css.headers["Cache-Control"]
    assert "style-src 'self'" in css.headers["Content-Security-Policy"]


def test_an_unreadable_colour_is_refused_on_its_field(world, owner):
    response = owner.send("/console/settings", {"portal_enabled": "y", "brand_colour": "#ffeb3b"})
    assert response.status_code == 422
    assert re.search(r"White text on #ffeb3b has a contrast of 1\.\d:1", text(response))
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert world.org["settings"].get("brand_colour") is None


def test_saving_other_settings_leaves_the_default_colour_unset(world, owner):
    owner.get("/console/settings")
    owner.send("/console/settings", {"portal_enabled": "y", "modules": ["invoices"]})
    assert world.org["settings"].get("brand_colour") is None


def test_a_logo_uploaded_in_the_console_shows_in_the_header_and_can_be_removed(world, owner, app):
    image = png()
    response = upload(owner, image)
    assert response.status_code == 302, text(response)
    version = world.org["settings"]["logo"]
    signin = Browser(app).get("/signin").get_data(as_text=True)
    assert f'<img class="brand-logo" src="/brand/logo?v={version}" alt="">' in signin
    preview = re.search(r'<figure class="brand-preview" data-brand-preview>.*?</figure>',
                        owner.get("/console/settings").get_data(as_text=True), re.S).group(0)
    assert preview.count(f'src="/brand/logo?v={version}"') == 2 and "Acme Trading" in preview   # portal and mail
    served = fetch(app, f"/brand/logo?v={version}")
    assert served.status_code == 200 and served.data == image and served.mimetype == "image/png"
    assert "immutable" in served.headers["Cache-Control"]
    assert "no-store" in fetch(app, "/brand/logo?v=old").headers["Cache-Control"]

    owner.get("/console/settings")
    assert owner.post("/console/settings/logo/remove").status_code == 302
    assert world.org["settings"]["logo"] is None
    assert Browser(app).get("/brand/logo").status_code == 404
    assert "brand-logo" not in Browser(app).get("/signin").get_data(as_text=True)


def test_a_file_that_is_not_an_image_gets_a_readable_answer(world, owner):
    response = upload(owner, b"<svg><script>alert(1)</script></svg>", "logo.svg")
    assert response.status_code == 422
    assert "The logo must be a PNG, JPEG or WebP image." in text(response)
    assert world.org["settings"].get("logo") is None


def test_no_file_is_a_readable_answer(world, owner):
    owner.get("/console/settings")
    response = owner.post("/console/settings/logo", {})
    assert response.status_code in (400, 422) and "Choose an image file." in text(response)


def test_agents_cannot_change_the_brand(world, app):
    agent = Browser(app)
    agent.sign_in(world.ada, fake=world.fake)
    assert upload(agent, png()).status_code == 403
    assert world.org["settings"].get("logo") is None


def test_an_org_without_a_brand_has_no_theme_or_logo(world, app):
    browser = Browser(app)
    page = browser.get("/signin").get_data(as_text=True)
    assert "/brand/" not in page
    assert browser.get("/brand/theme.css").status_code == 404
    assert browser.get("/brand/logo").status_code == 404
