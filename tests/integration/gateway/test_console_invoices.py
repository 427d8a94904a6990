"""The console's invoices on the real billing service (in process): the list with its
filters, a new invoice from the form (draft or issued), billing's refusals on the right
field, and what staff do to an invoice: issue, edit, void, discard, PDF, record money
received offline, refund (owners and admins only)."""
from __future__ import annotations

import re
import uuid

from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import Browser, text

NEW = "/console/invoices/new"


def staff(world, app, login) -> Browser:
    browser = Browser(app)
    browser.sign_in(login, fake=world.fake)
    return browser


def invoice_form(customer_id: str, *rows: dict, **fields) -> dict:
    """The new-invoice form as a person fills it: rows by their position (others left empty)."""
    form = {"customer_id": customer_id, "currency": "EUR", "due_date": "", "notes": "", "intent": "draft",
            "rows": str(max(3, len(rows))), **fields}
    for i, row in enumerate(rows):
        for name, value in (row or {}).items():
            form[f"lines-{i}-{name}"] = value
    return form


TWO_LINES = ({"description": "Consulting", "quantity": "2.5", "unit_price": "100.00", "tax_rate": "20"},
             {"description": "Travel", "quantity": "1", "unit_price": "45,50", "tax_rate": "", "discount_percent": "10"})


def invoice_id_of(response) -> str:
    return response.headers["Location"].rsplit("/", 1)[1]


def staff_invoice(org: str, invoice_id: str) -> dict:
    from tests.helpers.tokens import bearer
    answer = billing_backend.billing_app().test_client().get(
        f"/orgs/{org}/invoices/{invoice_id}", headers=bearer("staff", org, id=str(uuid.uuid4())))
    return answer.get_json()


def test_a_draft_with_two_lines_shows_its_totals_and_is_listed(world, app):
    owner = staff(world, app, world.sam)
    form = owner.get(NEW)
    assert form.status_code == 200 and "Globex Ltd" in text(form) and 'name="lines-2-description"' in form.get_data(True)
    answer = owner.send(NEW, invoice_form(world.customer["customer_id"], *TWO_LINES, notes="Thanks!"))
    assert answer.status_code == 302, text(answer)
    invoice_id = invoice_id_of(answer)
    page = owner.get(f"/console/invoices/{invoice_id}")
    words = text(page)
    assert "Draft saved." in words and "Draft invoice" in words and "Globex Ltd" in words
    # 2.5 x 100.00 + 20 % tax = 300.00; 45.50 - 10 % = 40.95 without tax: 340.95
    assert "Subtotal €295.50" in words and "Discounts −€4.55" in words and "Tax 20 % €50.00" in words
    assert "Total €340.95" in words and "Thanks!" in words
    stored = staff_invoice(world.org["org_id"], invoice_id)
    assert stored["status"] == "draft" and stored["total_minor"] == 34095
    assert [line["unit_price_minor"] for line in stored["lines"]] == [10000, 4550]
    listed = text(owner.get("/console/invoices?status=draft"))
    assert "Draft Globex Ltd" in listed and "€340.95" in listed


def test_lines_are_added_and_removed_as_typed_and_the_running_total_is_billings(world, app):
    owner = staff(world, app, world.sam)
    owner.get(NEW)
    typed = invoice_form(world.customer["customer_id"], *TWO_LINES, {"description": "Third"})
    added = owner.post(NEW, {**typed, "intent": "add_line"})
    html = added.get_data(as_text=True)
    assert added.status_code == 200 and 'name="lines-3-description"' in html and 'value="Travel"' in html
    assert "Total €340.95" in text(added)                     # the complete lines, priced by billing
    removed = owner.post(NEW, {**typed, "rows": "4", "remove": "0"})
    html = removed.get_data(as_text=True)
    assert 'name="lines-3-description"' not in html and 'name="lines-2-description"' in html
    assert re.search(r'id="lines-0-description"[^>]*value="Travel"', html)        # moved up, as typed
    assert 'value="Consulting"' not in html and "Total €40.95" in text(removed)
    total = owner.post("/console/invoices/total", {**typed})
    assert total.status_code == 200 and "Subtotal €295.50" in text(total) and "Total €340.95" in text(total)
    incomplete = owner.post("/console/invoices/total", {"currency": "EUR", "rows": "1", "lines-0-description": "x"})
    assert "The total shows here once a line has a description" in text(incomplete)
    assert billing_backend.staff_invoices(world.org["org_id"]) == []          # nothing was saved


def test_issue_a_draft_then_change_its_due_date(world, app):
    owner = staff(world, app, world.sam)
    invoice_id = invoice_id_of(owner.send(NEW, invoice_form(world.customer["customer_id"], TWO_LINES[0])))
    owner.get(f"/console/invoices/{invoice_id}")
    answer = owner.send(f"/console/invoices/{invoice_id}/issue", {})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/console/invoices/{invoice_id}")
    page = text(owner.get(f"/console/invoices/{invoice_id}"))
    number = staff_invoice(world.org["org_id"], invoice_id)["number"]
    assert f"Invoice {number} issued" in page and "Unpaid" in page and f"Issued as {number}" in page
    again = owner.send(f"/console/invoices/{invoice_id}/issue", {})
    assert again.status_code == 302 and "already" in text(owner.get(f"/console/invoices/{invoice_id}")).lower()
    owner.send(f"/console/invoices/{invoice_id}/edit", {"due_date": "2030-01-31", "notes": "Net 30"})
    page = text(owner.get(f"/console/invoices/{invoice_id}"))
    assert f"Invoice {number} was saved." in page and "31 Jan 2030" in page and "due date" in page


def test_issue_now_from_the_form(world, app):
    owner = staff(world, app, world.sam)
    answer = owner.send(NEW, invoice_form(world.customer["customer_id"], TWO_LINES[0], intent="issue"))
    stored = staff_invoice(world.org["org_id"], invoice_id_of(answer))
    assert stored["status"] == "sent" and stored["number"]
    assert f"Invoice {stored['number']} issued." in text(owner.get(answer.headers["Location"]))


def test_a_bad_line_shows_billings_error_on_its_field(world, app):
    owner = staff(world, app, world.sam)
    owner.get(NEW)
    bad = {"description": "Nothing", "quantity": "0", "unit_price": "10"}
    answer = owner.send(NEW, invoice_form(world.customer["customer_id"], TWO_LINES[0], None, bad))
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    # billing counts the lines sent (its lines.1), the page the rows shown (row 3, lines-2-...)
    error = re.search(r'<ul class="field-errors" id="lines-2-quantity-error">(.*?)</ul>', html, re.S)
    assert error and "The quantity must be more than 0." in error.group(1)
    field = re.search(r'<input[^>]*id="lines-2-quantity"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and "lines-2-quantity-error" in field
    assert "Line 3: The quantity must be more than 0." in text(answer)
    assert 'value="Nothing"' in html                     # what was typed stays


def test_the_form_checks_amounts_and_needs_a_line(world, app):
    owner = staff(world, app, world.sam)
    owner.get(NEW)
    cents = {"description": "Widget", "quantity": "1", "unit_price": "1.005"}
    answer = owner.send(NEW, invoice_form(world.customer["customer_id"], cents))
    assert answer.status_code == 400 and "EUR amounts have 2 decimals at most." in text(answer)
    answer = owner.send(NEW, invoice_form(world.customer["customer_id"], {"description": "Yen", "quantity": "1",
                                                                          "unit_price": "5000"}, currency="jpy"))
    assert staff_invoice(world.org["org_id"], invoice_id_of(answer))["lines"][0]["unit_price_minor"] == 5000
    owner.get(NEW)
    assert "An invoice needs at least one line." in text(owner.send(NEW, invoice_form(world.customer["customer_id"])))
    owner.get(NEW)
    answer = owner.send(NEW, invoice_form("someone-elses-customer", TWO_LINES[0]))
    assert answer.status_code == 400 and "Not a valid choice" in text(answer)


def test_void_an_invoice_with_a_reason_but_not_one_with_a_payment(world, app):
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer)
    owner = staff(world, app, world.sam)
    owner.get(f"/console/invoices/{invoice['invoice_id']}")
    answer = owner.send(f"/console/invoices/{invoice['invoice_id']}/void", {"reason": "Sent twice"})
    assert answer.status_code == 302
    page = text(owner.get(f"/console/invoices/{invoice['invoice_id']}"))
    assert f"Invoice {invoice['number']} is void" in page and "Voided · Sent twice" in page
    assert staff_invoice(org, invoice["invoice_id"])["status"] == "void"
    paid = billing_backend.issue_invoice(org, customer)
    billing_backend.pay_invoice(org, customer, paid["invoice_id"])
    owner.get(f"/console/invoices/{paid['invoice_id']}")
    owner.send(f"/console/invoices/{paid['invoice_id']}/void", {"reason": ""})
    assert "alert-error" in owner.get(f"/console/invoices/{paid['invoice_id']}").get_data(as_text=True)
    assert staff_invoice(org, paid["invoice_id"])["status"] == "paid"


def test_discard_a_draft(world, app):
    owner = staff(world, app, world.sam)
    invoice_id = invoice_id_of(owner.send(NEW, invoice_form(world.customer["customer_id"], TWO_LINES[0])))
    owner.get(f"/console/invoices/{invoice_id}")
    answer = owner.send(f"/console/invoices/{invoice_id}/discard", {})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/console/invoices")
    assert "The draft was discarded." in text(owner.get("/console/invoices"))
    assert owner.get(f"/console/invoices/{invoice_id}").status_code == 404


def test_an_offline_payment_marks_it_paid_and_an_owner_refunds_part(world, app):
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer, total_minor=12000)
    owner = staff(world, app, world.sam)
    page = owner.get(f"/console/invoices/{invoice['invoice_id']}")
    assert 'value="120.00"' in page.get_data(as_text=True)          # the amount due, ready to record
    answer = owner.send(f"/console/invoices/{invoice['invoice_id']}/payments",
                        {"method": "bank_transfer", "amount": "120.00", "reference": "BANK-7781"})
    assert answer.status_code == 302
    page = owner.get(f"/console/invoices/{invoice['invoice_id']}")
    words = text(page)
    assert "The payment was recorded." in words and "Paid" in words and "Bank transfer (offline)" in words
    assert "<code>BANK-7781</code>" in page.get_data(as_text=True)
    assert staff_invoice(org, invoice["invoice_id"])["status"] == "paid"
    payment_id = staff_invoice(org, invoice["invoice_id"])["payments"][0]["payment_id"]
    answer = owner.send(f"/console/invoices/{invoice['invoice_id']}/payments/{payment_id}/refund",
                        {f"r-{payment_id}-amount": "50", f"r-{payment_id}-reason": "Goodwill"})
    assert answer.status_code == 302
    words = text(owner.get(f"/console/invoices/{invoice['invoice_id']}"))
    assert "The refund was recorded. The invoice stays paid." in words
    assert "Partly refunded (€50.00 of €120.00)" in words and "Refunded (the invoice stays paid)" in words
    after = staff_invoice(org, invoice["invoice_id"])          # money back: nothing owed again
    assert (after["status"], after["amount_due_minor"], after["payments"][0]["refunded_minor"]) == ("paid", 0, 5000)
    # reversing part of it (the box ticked) reopens the invoice for that much
    answer = owner.send(f"/console/invoices/{invoice['invoice_id']}/payments/{payment_id}/refund",
                        {f"r-{payment_id}-amount": "20", f"r-{payment_id}-reason": "Cheque bounced",
                         f"r-{payment_id}-reopen_invoice": "y"})
    assert answer.status_code == 302
    words = text(owner.get(f"/console/invoices/{invoice['invoice_id']}"))
    assert "The invoice is reopened: the customer owes this amount again." in words
    assert "€20.00 reversed: owed again" in words and "Payment reversed (the invoice is reopened)" in words
    after = staff_invoice(org, invoice["invoice_id"])
    assert (after["status"], after["amount_due_minor"], after["payments"][0]["refunded_minor"]) == \
        ("partially_paid", 2000, 7000)
    owner.send(f"/console/invoices/{invoice['invoice_id']}/payments/{payment_id}/refund",
               {f"r-{payment_id}-amount": "80", f"r-{payment_id}-reason": ""})
    assert "alert-error" in owner.get(f"/console/invoices/{invoice['invoice_id']}").get_data(as_text=True)
    assert staff_invoice(org, invoice["invoice_id"])["payments"][0]["refunded_minor"] == 7000


def test_the_refund_form_sent_twice_refunds_once(world, app):
    """A double click, or the browser sending the form again after a slow answer: one refund."""
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer, total_minor=12000)
    payment = billing_backend.pay_invoice(org, customer, invoice["invoice_id"])
    owner = staff(world, app, world.sam)
    owner.get(f"/console/invoices/{invoice['invoice_id']}")
    form = {f"r-{payment['payment_id']}-amount": "30", f"r-{payment['payment_id']}-reason": "Late delivery"}
    path = f"/console/invoices/{invoice['invoice_id']}/payments/{payment['payment_id']}/refund"
    hidden = dict(owner.hidden)
    assert owner.send(path, form).status_code == 302
    owner.hidden = hidden                                     # the same page's form, once more
    assert owner.send(path, form).status_code == 302
    assert staff_invoice(org, invoice["invoice_id"])["payments"][0]["refunded_minor"] == 3000
    owner.get(f"/console/invoices/{invoice['invoice_id']}")   # a fresh form is a new refund
    owner.send(path, form)
    assert staff_invoice(org, invoice["invoice_id"])["payments"][0]["refunded_minor"] == 6000


def test_an_agent_sees_payments_but_may_not_refund(world, app):
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer)
    payment = billing_backend.pay_invoice(org, customer, invoice["invoice_id"])
    agent = staff(world, app, world.ada)
    page = agent.get(f"/console/invoices/{invoice['invoice_id']}")
    reference = billing_backend.staff_payment(org, payment["payment_id"])["gateway_reference"]
    assert page.status_code == 200 and f"<code>{reference}</code>" in page.get_data(as_text=True)
    assert "Refund the payment" not in text(page)
    refused = agent.send(f"/console/invoices/{invoice['invoice_id']}/payments/{payment['payment_id']}/refund",
                         {f"r-{payment['payment_id']}-amount": "10"})
    assert refused.status_code == 403
    assert billing_backend.payment_status(org, payment["payment_id"]) == "settled"


def test_another_orgs_invoice_is_not_found(world, app):
    other = billing_backend.issue_invoice(str(uuid.uuid4()), "c-of-another-org")
    owner = staff(world, app, world.sam)
    page = owner.get(f"/console/invoices/{other['invoice_id']}")
    assert page.status_code == 404 and "Not found" in text(page) and other["number"] not in text(page)
    assert owner.get(f"/console/invoices/{other['invoice_id']}/pdf").status_code == 404
    owner.get("/console/invoices")
    assert owner.send(f"/console/invoices/{other['invoice_id']}/void", {"reason": "x"}).status_code == 404


def test_the_pdf_is_a_pdf(world, app):
    invoice = billing_backend.issue_invoice(world.org["org_id"], world.customer["customer_id"])
    owner = staff(world, app, world.sam)
    answer = owner.get(f"/console/invoices/{invoice['invoice_id']}/pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf" and answer.data.startswith(b"%PDF-")
    assert f'{invoice["number"]}.pdf' in answer.headers["Content-Disposition"]


def test_the_list_filters_by_customer_status_and_number(world, app):
    org, customer = world.org["org_id"], world.customer["customer_id"]
    initech = world.fake.add_customer(world.org, "Initech")
    mine = billing_backend.issue_invoice(org, customer)
    theirs = billing_backend.issue_invoice(org, initech["customer_id"])
    agent = staff(world, app, world.ada)
    everything = text(agent.get("/console/invoices"))
    assert f"{mine['number']} Globex Ltd" in everything and f"{theirs['number']} Initech" in everything
    only = text(agent.get(f"/console/invoices?customer_id={initech['customer_id']}"))
    assert theirs["number"] in only and mine["number"] not in only
    found = text(agent.get(f"/console/invoices?number={mine['number'][-3:]}&status=sent"))
    assert mine["number"] in found
    assert "No invoice matches" in text(agent.get("/console/invoices?status=void"))
    stale = agent.get("/console/invoices?cursor=not-a-cursor")
    assert stale.status_code == 200 and "not valid" in text(stale) and mine["number"] in text(stale)


def test_the_customer_page_leads_to_a_new_invoice_for_that_customer(world, app):
    agent = staff(world, app, world.ada)
    customer_id = world.customer["customer_id"]
    page = agent.get(f"/console/customers/{customer_id}").get_data(as_text=True)
    assert f"/console/invoices/new?customer_id={customer_id}" in page
    form = agent.get(f"/console/invoices/new?customer_id={customer_id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{customer_id}">Globex Ltd</option>', form)


def test_billings_conflict_reads_as_a_sentence(world, app):
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer)
    billing_backend.pay_invoice(org, customer, invoice["invoice_id"], method="bank_debit")
    owner = staff(world, app, world.sam)
    owner.get(f"/console/invoices/{invoice['invoice_id']}")
    answer = owner.send(f"/console/invoices/{invoice['invoice_id']}/payments", {"method": "cash", "amount": "120"})
    assert answer.status_code == 302
    page = text(owner.get(f"/console/invoices/{invoice['invoice_id']}"))
    assert f"A payment for {invoice['number']} is still being processed" in page
    assert staff_invoice(org, invoice["invoice_id"])["amount_paid_minor"] == 0


def test_staff_comment_internally_or_for_the_customer_who_sees_only_that(world, app):
    from tests.integration.gateway.conftest import Browser, text as page_text
    org, customer = world.org["org_id"], world.customer["customer_id"]
    invoice = billing_backend.issue_invoice(org, customer)
    owner = Browser(app)
    owner.sign_in(world.sam, fake=world.fake)
    path = f"/console/invoices/{invoice['invoice_id']}"
    owner.get(path)
    owner.send(f"{path}/comments", {"text": "Chase them on Friday."})
    owner.get(path)
    owner.send(f"{path}/comments", {"text": "We applied your <b>discount</b>.", "show_in_portal": "y"})
    words = page_text(owner.get(path))
    assert "Chase them on Friday." in words and "Internal note" in words and "Shown in the portal" in words
    ann = Browser(app)
    ann.sign_in(world.ann)
    portal = ann.get(f"/invoices/{invoice['invoice_id']}").get_data(as_text=True)
    assert "We applied your &lt;b&gt;discount&lt;/b&gt;." in portal and "Chase them" not in portal
