"""Paying in a real browser on `make up`'s stack (the simulated gateway): the demo contact
pays by bank debit and sees it pending; a second tab's payment is refused while it is;
staff fail it in the console and the contact's page says so without a reload; the contact
pays by card, the invoice shows paid, and the receipt PDF carries the invoice number."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from tests.e2e.shots import shoot
from tests.e2e.stack import Stack
from tests.e2e.test_front_door import STAFF, enrol

BUYER = ("buyer@acme.example", "demo buyer passphrase")


def sign_in(page, base: str, path: str, login: tuple[str, str]) -> None:
    page.goto(base + path)
    page.get_by_label("E-mail").fill(login[0])
    page.get_by_label("Password").fill(login[1])
    page.get_by_role("button", name="Sign in").click()


def euros(shown: str) -> Decimal:
    """€1,234.50 as the number a person reads."""
    return Decimal(shown.strip().replace("€", "").replace(",", ""))


def console_owner(browser, base: str):
    """The demo owner in the console, two-step sign-in set up, on a page that takes downloads."""
    page = browser.new_context(accept_downloads=True).new_page()
    sign_in(page, base, "/console/signin", STAFF)
    enrol(page, [])
    return page


@pytest.mark.slow
def test_bank_debit_pending_refused_again_failed_by_staff_then_paid_by_card(tmp_path, browser):
    stack = Stack(tmp_path / "var")
    stack.start()
    base = f"http://localhost:{stack.gateway}"
    try:
        context = browser.new_context(accept_downloads=True)
        buyer = context.new_page()
        sign_in(buyer, base, "/signin", BUYER)
        shoot(buyer, "portal-home", phone=True)
        balance = euros(buyer.locator('[data-figure="balance-EUR"]').inner_text())
        overdue = euros(buyer.locator('[data-figure="overdue-EUR"]').inner_text())
        buyer.goto(base + "/invoices")
        shoot(buyer, "portal-invoices", phone=True)
        rows = [r.locator("td").all_inner_texts() for r in buyer.locator("table tbody tr").all()]
        assert balance == sum(euros(cells[-1]) for cells in rows) > 0          # the home page's figures
        assert overdue == sum(euros(cells[-1]) for cells in rows if "Overdue" in cells) > 0
        buyer.locator("table tbody tr").first.get_by_role("link").click()
        shoot(buyer, "portal-invoice")
        invoice_url = buyer.url
        number = buyer.locator("h1").inner_text().split()[1]
        second_tab = context.new_page()
        second_tab.goto(invoice_url)                       # open before the first payment

        buyer.get_by_label("Bank debit").check()
        buyer.get_by_role("button", name="Pay").click()
        buyer.wait_for_url("**/payments/*")
        assert "being processed" in buyer.locator("#payment-status").inner_text()

        second_tab.get_by_label("Card").check()
        second_tab.get_by_role("button", name="Pay").click()
        assert "is still being processed" in second_tab.content()
        assert second_tab.get_by_role("button", name="Pay").count() == 0

        staff = browser.new_context().new_page()
        sign_in(staff, base, "/console/signin", STAFF)
        enrol(staff, [])
        staff.goto(base + "/console/payments?status=pending")
        shoot(staff, "console-payments")
        staff.get_by_role("button", name=f"Mark failed {number}").click()
        assert "The payment is now failed." in staff.content()

        buyer.locator("#payment-status", has_text="did not go through").wait_for(timeout=15000)   # no reload
        buyer.goto(invoice_url)
        buyer.get_by_label("Card").check()
        buyer.get_by_role("button", name="Pay").click()
        assert "Paid. Thank you!" in buyer.locator("#payment-status").inner_text()
        shoot(buyer, "portal-paid")
        with buyer.expect_download() as download:
            buyer.get_by_role("link", name="Download receipt (PDF)").click()
        pdf = download.value.path().read_bytes()
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert pdf.startswith(b"%PDF-") and number in text
        buyer.goto(invoice_url)
        assert "Paid" in buyer.locator("h1").inner_text()
        buyer.goto(base + "/payments")                     # the history: the failed try and the card payment
        rows = buyer.locator("table tbody tr").all_inner_texts()
        assert any(number in r and "Failed" in r for r in rows) and any(number in r and "Paid" in r for r in rows)
        shoot(buyer, "portal-payments", phone=True)
    finally:
        assert stack.stop() == 0
