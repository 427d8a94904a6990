"""The portal on a phone (390×844) in a real browser on `make up`'s stack: the navigation is
one "Menu" that opens from the keyboard and lists every module (on a wide screen the links
show without it); no portal page scrolls sideways, lists and detail pages alike; a list's
rows are cards that open with the status and the amount; an invoice's totals are read
whole, not clipped at the screen's edge. The demo contact raises a ticket and pays an
invoice first, so that a ticket's and a payment's pages are there to visit."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.shots import PHONE, shoot
from tests.e2e.stack import Stack
from tests.e2e.test_payments import BUYER, sign_in

MODULES = ["Home", "Invoices", "Payments", "Sales orders", "Deliveries", "Service requests", "Projects",
           "Timesheets", "Tickets", "Documents", "Quotes", "Statement", "Profile"]
LISTS = ["/", "/invoices", "/payments", "/statement", "/credit-notes", "/sales-orders", "/deliveries",
         "/service-requests", "/service-requests/new", "/projects", "/timesheets", "/tickets", "/tickets/new",
         "/documents", "/quotes", "/profile", "/password", "/payment-methods"]
ROWS = {"/sales-orders": "/sales-orders/", "/service-requests": "/service-requests/", "/projects": "/projects/",
        "/documents": "/documents/", "/quotes": "/documents/"}           # a list: where its rows lead
FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"


def first_link(page, prefix: str) -> str:
    """The first row's page on the list shown, as a person finds it: by following the list."""
    return page.locator(f'main table a[href^="{prefix}"]').first.get_attribute("href")


def within_screen(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


@pytest.mark.slow
def test_every_portal_page_fits_a_phone_and_the_menu_lists_every_module(tmp_path, browser):
    stack = Stack(tmp_path / "var")
    stack.start()
    base = f"http://localhost:{stack.gateway}"
    try:
        page = browser.new_context(viewport=PHONE).new_page()
        sign_in(page, base, "/signin", BUYER)

        nav = page.get_by_role("navigation", name="Main")
        assert not nav.get_by_role("link", name="Invoices").is_visible()        # folded
        page.locator(".site-menu summary", has_text="Menu").focus()
        page.keyboard.press("Enter")
        for name in MODULES:                     # as the page lays them out (a busy machine takes a moment)
            expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
        assert page.evaluate(FITS)
        shoot(page, "portal-menu-phone")
        page.set_viewport_size({"width": 1200, "height": 800})                  # a wide screen: no button
        page.goto(base + "/")
        assert nav.get_by_role("link", name="Invoices").is_visible()
        assert not page.locator(".site-menu summary").is_visible()
        assert page.locator(".site-menu").evaluate("menu => menu.open")         # for assistive technology
        page.set_viewport_size(PHONE)

        page.goto(base + "/tickets/new")
        page.get_by_label("Subject").fill("The label printer's cover does not close")
        page.get_by_label("Describe what you need").fill("The hinge on the left is bent.")
        page.get_by_role("button", name="Raise ticket").click()
        page.wait_for_url("**/tickets/*")
        ticket = page.url.removeprefix(base)
        page.goto(base + "/invoices")                       # a row is a card: status and amount first
        card = page.locator("main table tbody tr").first
        status, amount, number = (card.locator(s).bounding_box() for s in (".badge", "td.key.num", "td a"))
        assert status["y"] < number["y"] and amount["y"] < number["y"]
        assert card.locator("td.key.num").get_attribute("data-label") == "Still to pay"      # shown before it
        assert within_screen(card)

        invoice = first_link(page, "/invoices/")
        page.goto(base + invoice)                          # its totals, whole on the screen
        totals = page.locator("main table tfoot tr")
        assert totals.last.inner_text().startswith("Still to pay")
        for i in range(totals.count()):
            row = totals.nth(i)
            assert within_screen(row.locator("th")) and within_screen(row.locator("td")), row.inner_text()
        assert within_screen(page.locator(".facts div", has_text="Still to pay"))
        page.locator("main table tfoot").evaluate("foot => foot.scrollIntoView({block: 'end'})")
        shoot(page, "portal-invoice-phone")
        assert page.evaluate(FITS)                         # with its pay form; paid, below
        page.get_by_label("Card").check()
        page.get_by_role("button", name="Pay").click()
        page.wait_for_url("**/payments/*")
        payment = page.url.removeprefix(base)

        found = [invoice, ticket, payment]
        for path in LISTS:
            page.goto(base + path)
            assert page.evaluate(FITS), f"{path} scrolls sideways at 390 px"
            if path in ROWS:
                found.append(first_link(page, ROWS[path]))
        for path in found:
            page.goto(base + path)
            assert page.evaluate(FITS), f"{path} scrolls sideways at 390 px"
        assert len(found) == 8 and all(found)

        page.goto(base + "/statement")
        page.locator(".facts").evaluate("facts => facts.scrollIntoView()")
        shoot(page, "portal-statement-phone")
        page.goto(base + "/timesheets")
        shoot(page, "portal-timesheets-phone")
    finally:
        assert stack.stop() == 0
