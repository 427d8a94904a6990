"""The console's credit notes on the real billing service: an owner issues a note from an
invoice's page, applies its credit to the invoice and records a refund of the rest; the list
filters and pages; billing's refusals come back at their field (never a 500); another org's
note is not found; agents see notes but issue, apply and refund nothing."""
from __future__ import annotations

import re

from tests.integration.gateway import billing_backend
from tests.integration.gateway.conftest import Browser, text
from tests.integration.gateway.fake_identity import FakeIdentity


def staff(world, app, login) -> Browser:
    browser = Browser(app)
    browser.sign_in(login, fake=world.fake)
    return browser


def ids(world) -> tuple[str, str]:
    return world.org["org_id"], world.customer["customer_id"]


def note_now(org: str, credit_note_id: str) -> dict:
    return billing_backend.billing_app().test_client().get(
        f"/orgs/{org}/credit-notes/{credit_note_id}",
        headers=billing_backend.bearer("staff", org, id="test-staff")).get_json()


def test_an_owner_issues_a_note_for_an_invoice_applies_it_and_refunds_the_rest(world, app):
    org, customer = ids(world)
    invoice = billing_backend.issue_invoice(org, customer, 20000)
    owner = staff(world, app, world.sam)
    page = owner.get(f"/console/invoices/{invoice['invoice_id']}")
    new_url = f"/console/credit-notes/new?customer_id={customer}&amp;invoice_id={invoice['invoice_id']}"
    assert "Issue credit note" in text(page) and new_url in page.get_data(as_text=True)

    form = owner.get(new_url.replace("&amp;", "&"))
    assert form.status_code == 200 and f"{invoice['number']} · €200.00 due" in text(form)
    made = owner.send("/console/credit-notes/new", {"customer_id": customer, "invoice_id": invoice["invoice_id"],
                                                    "currency": "EUR", "amount": "150", "description": "Damaged goods",
                                                    "reason": "Two chairs arrived broken."})
    assert made.status_code == 302, text(made)
    note_url = made.headers["Location"]
    shown = owner.get(note_url)
    words = text(shown)
    assert "Credit note CN-" in words and "issued: the customer can see it now" in words
    assert "Damaged goods" in words and "Two chairs arrived broken." in words and "€150.00" in words
    assert f'href="/console/invoices/{invoice["invoice_id"]}"' in shown.get_data(as_text=True)
    assert "Download PDF" in words and "outside the portal" in words
    # the apply form offers the invoice, with the lesser of what is left and what is due
    assert re.search(r'name="amount"[^>]*value="150.00"', shown.get_data(as_text=True))
    credit_note_id = note_url.rsplit("/", 1)[1]

    applied = owner.send(f"/console/credit-notes/{credit_note_id}/apply",
                         {"invoice_id": invoice["invoice_id"], "amount": "120"})
    assert applied.status_code == 302
    after = owner.get(note_url)
    assert "Credit applied" in text(after) and f"Invoice {invoice['number']} · €120.00" in text(after)
    assert billing_backend.staff_invoice(org, invoice["invoice_id"])["amount_due_minor"] == 8000
    # what is left (30.00) is offered for the refund
    assert re.search(r'name="amount"[^>]*value="30.00"', after.get_data(as_text=True))

    refunded = owner.send(f"/console/credit-notes/{credit_note_id}/refund",
                          {"amount": "30", "reason": "Paid back by bank transfer"})
    assert refunded.status_code == 302
    final = text(owner.get(note_url))
    assert "Refund recorded." in final and "Paid back by bank transfer" in final and "Used" in final
    assert "Apply credit" not in final and "Record refund" not in final       # nothing left to use
    note = note_now(org, credit_note_id)
    assert (note["applied_minor"], note["refunded_minor"], note["remaining_minor"]) == (12000, 3000, 0)

    pdf = owner.get(f"/console/credit-notes/{credit_note_id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")


def test_a_plain_credit_without_an_invoice_asks_for_the_customer_first(world, app):
    org, customer = ids(world)
    owner = staff(world, app, world.sam)
    first = owner.get("/console/credit-notes/new")
    assert first.status_code == 200 and "Continue" in text(first) and "Issue credit note" not in text(first)
    page = owner.get(f"/console/customers/{customer}").get_data(as_text=True)
    assert f'href="/console/credit-notes?customer_id={customer}"' in page
    assert f'href="/console/credit-notes/new?customer_id={customer}"' in page
    owner.get(f"/console/credit-notes/new?customer_id={customer}")
    made = owner.send("/console/credit-notes/new", {"customer_id": customer, "invoice_id": "", "currency": "usd",
                                                    "amount": "12.34", "description": "Goodwill"})
    assert made.status_code == 302
    [note] = billing_backend.billing_app().test_client().get(
        f"/orgs/{org}/credit-notes", headers=billing_backend.bearer("staff", org, id="x")).get_json()["items"]
    assert (note["currency"], note["total_minor"], note["invoice_id"]) == ("USD", 1234, None)


def test_bad_input_is_said_at_its_field_never_a_500(world, app):
    org, customer = ids(world)
    invoice = billing_backend.issue_invoice(org, customer, 10000)
    owner = staff(world, app, world.sam)
    owner.get(f"/console/credit-notes/new?customer_id={customer}")
    typed = owner.send("/console/credit-notes/new", {"customer_id": customer, "invoice_id": "", "currency": "EUR",
                                                     "amount": "twelve", "description": "Credit"})
    assert typed.status_code == 400 and "Give an amount like 120.50." in text(typed)
    # billing's rule: a note for an invoice is at most its total
    owner.get(f"/console/credit-notes/new?customer_id={customer}")
    too_much = owner.send("/console/credit-notes/new", {"customer_id": customer, "invoice_id": invoice["invoice_id"],
                                                        "currency": "EUR", "amount": "150", "description": "Credit"})
    assert too_much.status_code == 422
    assert f"A credit note cannot be more than {invoice['number']}'s total." in text(too_much)
    assert 'aria-invalid="true"' in too_much.get_data(as_text=True)
    owner.get(f"/console/credit-notes/new?customer_id={customer}")
    wrong_currency = owner.send("/console/credit-notes/new", {
        "customer_id": customer, "invoice_id": invoice["invoice_id"], "currency": "USD", "amount": "5",
        "description": "Credit"})
    assert wrong_currency.status_code == 422 and f"{invoice['number']} is in EUR, not USD." in text(wrong_currency)

    note = billing_backend.issue_credit_note(org, customer, 5000)
    path = f"/console/credit-notes/{note['credit_note_id']}"
    owner.get(path)
    over = owner.send(path + "/apply", {"invoice_id": invoice["invoice_id"], "amount": "60"})
    assert over.status_code == 422 and f"Credit note {note['number']} has only 50.00 EUR left." in text(over)
    owner.get(path)
    no_reason = owner.send(path + "/refund", {"amount": "10", "reason": ""})
    assert no_reason.status_code == 400 and "Say why the money was paid back." in text(no_reason)
    owner.get(path)
    zero = owner.send(path + "/refund", {"amount": "0", "reason": "Oops"})
    assert zero.status_code == 400 and "Give an amount of EUR above 0" in text(zero)
    assert note_now(org, note["credit_note_id"])["remaining_minor"] == 5000


def test_an_invoice_with_a_payment_in_flight_takes_no_credit_and_says_why(world, app):
    org, customer = ids(world)
    invoice = billing_backend.issue_invoice(org, customer, 10000)
    billing_backend.pay_invoice(org, customer, invoice["invoice_id"], method="bank_debit")     # pending
    note = billing_backend.issue_credit_note(org, customer, 5000)
    owner = staff(world, app, world.sam)
    path = f"/console/credit-notes/{note['credit_note_id']}"
    owner.get(path)
    refused = owner.send(path + "/apply", {"invoice_id": invoice["invoice_id"], "amount": "50"})
    assert refused.status_code == 422 and "is being processed" in text(refused)
    assert note_now(org, note["credit_note_id"])["applied_minor"] == 0


def test_an_invoice_of_another_customer_or_currency_is_not_offered_and_not_taken(world, app):
    org, customer = ids(world)
    theirs = billing_backend.issue_invoice(org, "someone-else", 10000)
    dollars = billing_backend.issue_invoice(org, customer, 10000, currency="USD")
    ours = billing_backend.issue_invoice(org, customer, 10000)
    note = billing_backend.issue_credit_note(org, customer, 5000)
    owner = staff(world, app, world.sam)
    path = f"/console/credit-notes/{note['credit_note_id']}"
    html = owner.get(path).get_data(as_text=True)
    assert ours["invoice_id"] in html and theirs["invoice_id"] not in html and dollars["invoice_id"] not in html
    forged = owner.send(path + "/apply", {"invoice_id": theirs["invoice_id"], "amount": "10"})
    assert forged.status_code == 400 and "Not a valid choice" in text(forged)
    assert note_now(org, note["credit_note_id"])["applied_minor"] == 0


def test_the_list_filters_by_status_and_customer_and_pages(world, app):
    org, customer = ids(world)
    other = world.fake.add_customer(world.org, "Initech")
    made = [billing_backend.issue_credit_note(org, customer, 100 + i)["number"] for i in range(52)]
    elsewhere = billing_backend.issue_credit_note(org, other["customer_id"], 999)
    used = billing_backend.issue_credit_note(org, other["customer_id"], 500)
    billing_backend.staff_credit(org, used["credit_note_id"], "refund", {"amount_minor": 500, "reason": "Back"})
    agent = staff(world, app, world.ada)
    assert 'href="/console/credit-notes"' in agent.get("/console").get_data(as_text=True)
    first = agent.get(f"/console/credit-notes?customer_id={customer}")
    numbers = re.findall(r">(CN-\d+)</a>", first.get_data(as_text=True))
    assert numbers == list(reversed(made))[:50] and elsewhere["number"] not in numbers
    next_url = re.search(r'href="([^"]+)" rel="next"', first.get_data(as_text=True)).group(1).replace("&amp;", "&")
    second = agent.get(next_url)
    assert re.findall(r">(CN-\d+)</a>", second.get_data(as_text=True)) == list(reversed(made))[50:]
    by_status = text(agent.get("/console/credit-notes?status=used"))
    assert used["number"] in by_status and elsewhere["number"] not in by_status and "Initech" in by_status
    stale = agent.get("/console/credit-notes?cursor=not-a-cursor")
    assert stale.status_code == 200 and 'role="alert"' in stale.get_data(as_text=True)


def test_agents_see_notes_but_issue_apply_and_refund_nothing(world, app):
    org, customer = ids(world)
    invoice = billing_backend.issue_invoice(org, customer, 10000)
    note = billing_backend.issue_credit_note(org, customer, 5000)
    agent = staff(world, app, world.ada)
    path = f"/console/credit-notes/{note['credit_note_id']}"
    page = agent.get(path)
    assert page.status_code == 200 and "€50.00" in text(page)
    assert "Apply credit" not in text(page) and "Record refund" not in text(page)
    assert "Issue credit note" not in text(agent.get(f"/console/invoices/{invoice['invoice_id']}"))
    assert "Issue a credit note" not in text(agent.get("/console/credit-notes"))
    assert agent.get("/console/credit-notes/new").status_code == 403
    assert agent.post(path + "/apply", {"invoice_id": invoice["invoice_id"], "amount": "10"}).status_code == 403
    assert agent.post(path + "/refund", {"amount": "10", "reason": "No"}).status_code == 403
    assert agent.post("/console/credit-notes/new", {"customer_id": customer, "currency": "EUR", "amount": "1",
                                                    "description": "x"}).status_code == 403
    assert note_now(org, note["credit_note_id"])["remaining_minor"] == 5000


def test_another_orgs_note_is_not_found(world, app):
    fake: FakeIdentity = world.fake
    other = fake.add_org("other.test", "Other Co")
    stranger = fake.add_customer(other, "Umbrella")
    theirs = billing_backend.issue_credit_note(other["org_id"], stranger["customer_id"], 700)
    owner = staff(world, app, world.sam)
    path = f"/console/credit-notes/{theirs['credit_note_id']}"
    assert owner.get(path).status_code == 404
    assert owner.get(path + "/pdf").status_code == 404
    owner.get("/console/credit-notes")
    assert owner.send(path + "/refund", {"amount": "1", "reason": "x"}).status_code == 404
    assert owner.send(path + "/apply", {"invoice_id": "x", "amount": "1"}).status_code == 404
    assert owner.get("/console/credit-notes/no-such-note").status_code == 404
    assert note_now(other["org_id"], theirs["credit_note_id"])["remaining_minor"] == 700


def test_a_refund_form_sent_twice_records_one_refund(world, app):
    org, customer = ids(world)
    note = billing_backend.issue_credit_note(org, customer, 5000)
    owner = staff(world, app, world.sam)
    path = f"/console/credit-notes/{note['credit_note_id']}"
    owner.get(path)
    form = {**owner.hidden, "amount": "20", "reason": "Bank transfer"}
    assert [owner.post(path + "/refund", form).status_code for _ in range(2)] == [302, 302]
    assert [r["amount_minor"] for r in note_now(org, note["credit_note_id"])["refunds"]] == [2000]
    owner.get(path)                                   # the page again: a new form, a new refund
    assert owner.send(path + "/refund", {"amount": "20", "reason": "Again"}).status_code == 302
    assert note_now(org, note["credit_note_id"])["refunded_minor"] == 4000


def test_the_forms_need_their_csrf_token(world, app):
    org, customer = ids(world)
    note = billing_backend.issue_credit_note(org, customer, 5000)
    owner = staff(world, app, world.sam)
    refused = owner.post(f"/console/credit-notes/{note['credit_note_id']}/refund",
                         {"amount": "10", "reason": "x"}, csrf=False)
    assert refused.status_code == 400
    assert note_now(org, note["credit_note_id"])["remaining_minor"] == 5000
