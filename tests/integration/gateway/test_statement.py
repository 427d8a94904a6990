"""The portal's statement of account, served from the real billing service: the period form,
the opening balance, each entry with its running balance, the closing balance and the ageing;
the PDF only with the "download" permission; dates that are not dates, or a range upside
down, said on the page; never another customer's money; part of the invoices module."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import Browser, make_app, text
from tests.helpers.clock import Clock

MARCH = "from=2026-03-01&to=2026-03-31"


def contact(world, permissions=("view",), modules=("invoices", "credit_notes")) -> Browser:
    world.org["settings"]["modules"] = list(modules)
    world.ann.permissions = list(permissions)
    browser = Browser(make_app(world.fake))
    browser.sign_in(world.ann)
    return browser


@pytest.fixture
def march(world, monkeypatch) -> dict:
    """February: A 100.00 (due 20 Feb). March: B 200.00 (due 30 Apr), A paid, a credit note
    of 15.00. Another customer's invoice the same day."""
    clock = Clock(monkeypatch)
    org, customer = world.org["org_id"], world.customer["customer_id"]
    clock.on("2026-02-10")
    a = billing_backend.issue_invoice(org, customer, 10000, due=date(2026, 2, 20))
    clock.on("2026-03-02")
    b = billing_backend.issue_invoice(org, customer, 20000, due=date(2026, 4, 30))
    theirs = billing_backend.issue_invoice(org, "someone-else", 77700)
    clock.on("2026-03-05")
    paid = billing_backend.pay_invoice(org, customer, a["invoice_id"])
    clock.on("2026-03-06")
    note = billing_backend.issue_credit_note(org, customer, 1500)
    return {"a": a, "b": b, "theirs": theirs, "paid": paid, "note": note}


def rows(page) -> list[str]:
    """Each row of the entries table as its text."""
    table = page.get_data(as_text=True).split("<tbody>")[1].split("</tbody>")[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in table.split("</tr>")[:-1]]


def test_the_statement_shows_each_entry_with_its_running_balance_and_the_ageing(world, march):
    ann = contact(world)
    page = ann.get(f"/statement?{MARCH}")
    assert page.status_code == 200
    b, note = march["b"]["number"], march["note"]["number"]
    receipt = "R-" + march["paid"]["payment_id"][:8].upper()
    assert rows(page) == [
        "01 Mar 2026 Opening balance €100.00",
        f"02 Mar 2026 Invoice {b} €200.00 €300.00",
        f"05 Mar 2026 Payment {receipt} €100.00 €200.00",
        f"06 Mar 2026 Credit note {note} €15.00 €185.00",
        "31 Mar 2026 Closing balance €185.00",
    ]
    words = text(page)
    assert "Still due on 31 Mar 2026" in words and "Credit not yet used: €15.00." in words
    html = page.get_data(as_text=True)
    assert f'href="/invoices/{march["b"]["invoice_id"]}"' in html
    assert f'href="/credit-notes/{march["note"]["credit_note_id"]}"' in html
    assert march["theirs"]["number"] not in words and "€777.00" not in words
    assert 'value="2026-03-01"' in html and 'value="2026-03-31"' in html
    assert 'href="/statement"' in ann.get("/").get_data(as_text=True)                # in the navigation


def test_without_download_there_is_no_pdf_and_with_it_the_pdf_is_the_statement(world, march):
    viewer = contact(world)
    assert "Download PDF" not in text(viewer.get(f"/statement?{MARCH}"))
    refused = viewer.get(f"/statement.pdf?{MARCH}")
    assert refused.status_code == 403 and "does not have access" in text(refused)
    downloader = contact(world, permissions=("view", "download"))
    html = downloader.get(f"/statement?{MARCH}").get_data(as_text=True)
    link = re.search(r'href="(/statement\.pdf\?[^"]+)"', html).group(1).replace("&amp;", "&")
    assert "from=2026-03-01" in link and "to=2026-03-31" in link and "currency=EUR" in link
    pdf = downloader.get(link)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    read = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert march["b"]["number"] in read and march["note"]["number"] in read and "185.00 EUR" in read
    assert march["theirs"]["number"] not in read


def test_bad_dates_are_said_on_the_page(world, march):
    ann = contact(world, permissions=("view", "download"))
    page = ann.get("/statement?from=2026-02-30&to=soon")
    assert page.status_code == 200
    words = text(page)
    assert "The start date “2026-02-30” is not a date" in words and "The end date “soon” is not a date" in words
    upside_down = ann.get("/statement?from=2026-03-31&to=2026-03-01")
    assert upside_down.status_code == 200
    assert "The start date must be on or before the end date." in text(upside_down)
    too_long = ann.get("/statement?from=2016-01-01&to=2026-03-01")
    assert too_long.status_code == 200 and "at most" in text(too_long)
    bad_pdf = ann.get("/statement.pdf?from=2026-13-01")
    assert bad_pdf.status_code == 302 and bad_pdf.headers["Location"].startswith("/statement?from=2026-13-01")
    refused_pdf = ann.get("/statement.pdf?from=2026-03-31&to=2026-03-01")
    assert refused_pdf.status_code == 302 and refused_pdf.headers["Location"].startswith("/statement?")


def test_the_statement_belongs_to_the_invoices_module(world):
    off = contact(world, permissions=("view", "download"), modules=("credit_notes",))
    assert off.get("/statement").status_code == 404
    assert off.get("/statement.pdf").status_code == 404
    assert 'href="/statement"' not in off.get("/").get_data(as_text=True)


def test_a_customer_with_nothing_yet_sees_an_empty_statement(world):
    page = contact(world).get("/statement")
    assert page.status_code == 200 and "There is nothing on your account yet." in text(page)


def test_staff_see_the_customers_statement_in_the_console(world, march):
    sam = Browser(make_app(world.fake))
    sam.sign_in(world.sam, fake=world.fake)
    customer = world.customer["customer_id"]
    assert f'href="/console/customers/{customer}/statement"' in sam.get(f"/console/customers/{customer}").get_data(
        as_text=True)
    page = sam.get(f"/console/customers/{customer}/statement?{MARCH}")
    assert page.status_code == 200
    assert rows(page)[-1] == "31 Mar 2026 Closing balance €185.00"
    html = page.get_data(as_text=True)
    assert f'href="/console/invoices/{march["b"]["invoice_id"]}"' in html and "Globex Ltd" in html
    pdf = sam.get(f"/console/customers/{customer}/statement.pdf?{MARCH}")
    assert pdf.mimetype == "application/pdf" and march["b"]["number"] in "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "is not a date" in text(sam.get(f"/console/customers/{customer}/statement?to=31.03.2026"))
    assert sam.get("/console/customers/no-such-customer/statement").status_code == 404
