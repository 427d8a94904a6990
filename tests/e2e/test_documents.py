"""Documents in a real browser on `make up`'s stack: staff share a quotation from the console,
the contact downloads it (the same bytes), accepts it, and staff see the acceptance with the
file's SHA-256 and the sales order the acceptance became; the contact attaches a PDF to a
ticket by the page's uploader (progress, then the list) and staff download it, the same bytes."""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from fpdf import FPDF

from tests.e2e.shots import shoot
from tests.e2e.stack import Stack
from tests.e2e.test_payments import BUYER, console_owner, sign_in


def write_pdf(path: Path, words: str) -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=14)
    doc.cell(text=words)
    path.write_bytes(bytes(doc.output()))
    return path.read_bytes()


def downloaded(page, link) -> bytes:
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


@pytest.mark.slow
def test_a_quote_shared_downloaded_accepted_becomes_an_order_and_a_ticket_file_reaches_staff(tmp_path, browser):
    quote = write_pdf(tmp_path / "kitchen-quote.pdf", "Kitchen refit: 2,450.00 EUR")
    leak = write_pdf(tmp_path / "leak-photo.pdf", "Photo of the leak under the sink")
    stack = Stack(tmp_path / "var")
    stack.start()
    base = f"http://localhost:{stack.gateway}"
    try:
        staff = console_owner(browser, base)
        staff.goto(base + "/console/documents/new")
        staff.get_by_label("Customer").select_option(label="Acme Retail Ltd")
        staff.get_by_label("Kind").select_option("quote")
        staff.get_by_label("Title").fill("Kitchen refit")
        staff.get_by_label("Number (optional)").fill("Q-2027-101")
        staff.get_by_label("Amount (quotes)").fill("2450.00")
        staff.get_by_label("Currency (quotes)").fill("EUR")
        staff.get_by_label("File").set_input_files(str(tmp_path / "kitchen-quote.pdf"))
        staff.get_by_role("button", name="Share").click()
        staff.wait_for_url("**/console/documents/*")
        document_page = staff.url

        buyer = browser.new_context(accept_downloads=True).new_page()
        sign_in(buyer, base, "/signin", BUYER)
        buyer.goto(base + "/documents")
        assert "Service agreement 2027" in buyer.locator("main").inner_text()       # make up's demo agreement
        shoot(buyer, "portal-documents", phone=True)
        buyer.goto(base + "/quotes")
        assert "€2,450.00" in buyer.locator("main").inner_text()
        buyer.get_by_role("link", name="Kitchen refit").click()
        got = downloaded(buyer, buyer.get_by_role("link", name="Download kitchen-quote.pdf"))
        assert got == quote                                                          # the very bytes staff shared
        buyer.get_by_label("Comment (optional)").fill("Please start after the 10th.")
        shoot(buyer, "portal-quote", phone=True)
        buyer.get_by_role("button", name="Accept quote").click()
        main = buyer.locator("main").inner_text()
        assert "You accepted this quote" in main and hashlib.sha256(quote).hexdigest() in main

        staff.goto(document_page)
        page = staff.locator("main").inner_text()
        assert "Accepted" in page and hashlib.sha256(quote).hexdigest() in page and "Bea Buyer" in page
        shoot(staff, "console-document")
        deadline = time.monotonic() + 30                  # orders hears QuoteAccepted through the broker
        while time.monotonic() < deadline:
            staff.goto(base + "/console/sales-orders")
            if "€2,450.00" in staff.locator("main").inner_text():
                break
            time.sleep(1)
        assert "€2,450.00" in staff.locator("main").inner_text(), "the accepted quote did not become an order"

        buyer.goto(base + "/tickets/new")
        buyer.get_by_label("Subject").fill("Leak under the sink")
        buyer.get_by_label("Describe what you need").fill("A photo is attached.")
        buyer.get_by_role("button", name="Raise ticket").click()
        buyer.wait_for_url("**/tickets/*")
        ticket_id = buyer.url.rsplit("/", 1)[-1]
        buyer.get_by_label("Attach files: choose files or drop them here").set_input_files(
            str(tmp_path / "leak-photo.pdf"))
        buyer.get_by_role("button", name="Upload").click()
        buyer.locator("[data-upload-state=done]").wait_for(timeout=15000)          # its progress bar ran full
        buyer.get_by_role("link", name="leak-photo.pdf").wait_for(timeout=15000)  # the page reloads with it

        staff.goto(base + f"/console/tickets/{ticket_id}")
        assert downloaded(staff, staff.get_by_role("link", name="Download leak-photo.pdf")) == leak
    finally:
        stack.stop()
