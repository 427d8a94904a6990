"""Arabic in a real browser on `make up`'s stack: the demo contact, who never chose a language,
signs in from a browser that asks for Arabic and reads the portal right to left: the page
is `dir="rtl"`, the brand sits at the right and the navigation starts there, the invoice
table's first column is the rightmost, amounts stay readable, nothing scrolls sideways on a
wide screen or a phone; the same person's browser asking for French gets French."""
from __future__ import annotations

import pytest

from tests.e2e.shots import PHONE, shoot
from tests.e2e.stack import Stack
from tests.e2e.test_payments import BUYER

FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"


def sign_in(page, base: str) -> None:
    """By the fields' names: the labels are in the page's language."""
    page.goto(base + "/signin")
    page.locator("input[name=email]").fill(BUYER[0])
    page.locator("input[name=password]").fill(BUYER[1])
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(base + "/")


@pytest.mark.slow
def test_an_arabic_browser_reads_the_portal_right_to_left(tmp_path, browser):
    stack = Stack(tmp_path / "var")
    stack.start()
    base = f"http://localhost:{stack.gateway}"
    try:
        page = browser.new_context(locale="ar-EG", viewport={"width": 1280, "height": 800}).new_page()
        sign_in(page, base)
        html = page.locator("html")
        assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
        assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"
        width = page.viewport_size["width"]
        brand = page.locator(".site-header .brand").bounding_box()
        assert brand["x"] > width / 2                                   # the org's name at the right
        links = page.locator(".site-nav ul a").all()
        first, second = links[0].bounding_box(), links[1].bounding_box()
        assert first["x"] > second["x"]                                  # the menu runs right to left
        page.goto(base + "/invoices")
        assert page.locator("h1").inner_text() == "الفواتير"
        cells = page.locator("table thead th").all()
        assert cells[0].bounding_box()["x"] > cells[-1].bounding_box()["x"]   # first column at the right
        assert "€" in page.locator("table tbody").inner_text()
        assert page.evaluate(FITS)
        shoot(page, "portal-invoices-arabic")
        page.set_viewport_size(PHONE)
        for path in ("/", "/invoices", "/payments", "/tickets", "/profile"):
            page.goto(base + path)
            assert page.evaluate(FITS), path
        page.goto(base + "/invoices")
        shoot(page, "portal-invoices-arabic-phone")

        french = browser.new_context(locale="fr-FR").new_page()
        sign_in(french, base)
        assert (french.locator("html").get_attribute("lang"), french.locator("html").get_attribute("dir")) == (
            "fr", "ltr")
        french.goto(base + "/invoices")
        assert french.locator("h1").inner_text() == "Factures"
    finally:
        assert stack.stop() == 0
