"""Credit notes in a real browser on `make up`'s stack: the owner turns the module on, issues
an invoice and, from its page, a credit note against it; applies part of the credit to the
invoice and records the rest as paid back. The demo contact then sees the note (applied and
refunded), the invoice's lower amount due, and a statement whose closing balance is the sum
of its entries: invoice, less the credit note, plus the credit paid back = what is still due.

The invoice is in GBP, a currency nothing else of the demo uses, so the statement in GBP
holds exactly these entries."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.e2e.shots import shoot
from tests.e2e.stack import Stack
from tests.e2e.test_payments import BUYER, console_owner, sign_in


def pounds(text: str) -> Decimal:
    """"£1,200.50" -> Decimal("1200.50"); "-£30.00" -> Decimal("-30.00")."""
    found = re.search(r"(-?)£([\d,]+\.\d\d)", text)
    assert found, text
    return Decimal(found.group(1) + found.group(2).replace(",", ""))


@pytest.mark.slow
def test_staff_credit_an_invoice_apply_and_refund_and_the_contact_sees_it_all(tmp_path, browser):
    stack = Stack(tmp_path / "var")
    stack.start()
    base = f"http://localhost:{stack.gateway}"
    try:
        staff = console_owner(browser, base)
        staff.goto(base + "/console/settings")
        staff.get_by_label("Credit notes").check()
        staff.get_by_role("button", name="Save settings").click()
        assert "Settings saved." in staff.content()

        staff.goto(base + "/console/invoices/new")
        staff.get_by_label("Customer", exact=True).select_option(label="Acme Retail Ltd")
        staff.get_by_label("Currency").fill("GBP")
        staff.locator("[name=lines-0-description]").fill("Display cabinets")
        staff.locator("[name=lines-0-quantity]").fill("1")
        staff.locator("[name=lines-0-unit_price]").fill("200")
        staff.get_by_role("button", name="Issue now").click()
        staff.wait_for_url("**/console/invoices/*")
        invoice_number = staff.locator("h1").inner_text().split()[1]

        staff.get_by_role("link", name="Issue credit note").click()
        staff.wait_for_url("**/console/credit-notes/new*")
        assert f"{invoice_number} · £200.00 due" in staff.get_by_label("Against invoice (optional)").inner_text()
        assert staff.get_by_label("Currency").input_value() == "GBP"
        staff.get_by_label("Amount to credit").fill("150")
        staff.get_by_label("Description (the note's line)").fill("Two cabinets returned")
        staff.get_by_label("Reason (the customer sees it)").fill("Scratched on delivery.")
        staff.get_by_role("button", name="Issue credit note").click()
        staff.wait_for_url(re.compile(r".*/console/credit-notes/[0-9a-f-]{36}$"))
        note_number = staff.locator("h1").inner_text().split()[2]
        assert "issued: the customer can see it now" in staff.content()
        assert staff.get_by_label("Amount to apply").input_value() == "150.00"     # the lesser of left and due

        staff.get_by_label("Amount to apply").fill("120")
        staff.get_by_role("button", name="Apply credit").click()
        assert "Credit applied" in staff.content()
        assert staff.get_by_label("Amount paid back").input_value() == "30.00"     # the rest
        assert "outside the portal" in staff.content()
        staff.get_by_label("Reason", exact=True).fill("Paid back by bank transfer")
        staff.get_by_role("button", name="Record refund").click()
        assert "Refund recorded." in staff.content()
        facts = staff.locator("dl.facts").inner_text()
        assert "£120.00" in facts and "£30.00" in facts and "Used" in staff.locator("h1").inner_text()
        shoot(staff, "console-credit-note")
        with staff.expect_download() as download:
            staff.get_by_role("link", name="Download PDF").click()
        assert download.value.path().read_bytes().startswith(b"%PDF-")
        staff.goto(base + "/console/credit-notes")
        assert note_number in staff.locator("table").inner_text()
        shoot(staff, "console-credit-notes")

        buyer = browser.new_context().new_page()
        sign_in(buyer, base, "/signin", BUYER)
        buyer.goto(base + "/credit-notes")
        buyer.get_by_role("link", name=note_number).click()
        page = buyer.locator("main").inner_text()
        assert "Scratched on delivery." in page and f"Invoice {invoice_number}" in page
        assert "£120.00" in page and "Refunded to you" in page and "£30.00" in page
        shoot(buyer, "portal-credit-note", phone=True)

        buyer.get_by_role("link", name=f"Invoice {invoice_number}").click()
        due = pounds(buyer.locator("dl.facts").get_by_text("Still to pay").locator("..").inner_text())
        assert due == Decimal("80.00")

        buyer.goto(base + "/statement?currency=GBP")
        rows = buyer.locator("table").first.locator("tbody tr").all()
        cells = [[c.inner_text().strip() for c in row.locator("td, th").all()] for row in rows]
        entries = [c for c in cells if len(c) == 6]
        assert [e[1] for e in entries] == ["Invoice", "Credit note", "Credit paid back"]
        assert [e[2] for e in entries] == [invoice_number, note_number, note_number]
        charges = sum(pounds(e[3]) for e in entries if e[3])
        credits = sum(pounds(e[4]) for e in entries if e[4])
        opening, closing = pounds(cells[0][-1]), pounds(cells[-1][-1])
        assert (opening, charges, credits) == (Decimal("0.00"), Decimal("230.00"), Decimal("150.00"))
        assert closing == opening + charges - credits == due
        shoot(buyer, "portal-statement-credit")
    finally:
        assert stack.stop() == 0
