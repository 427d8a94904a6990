"""The Invoice aggregate: drafts record nothing, issuing and later changes record events,
its state is the fold of them, and the rules on updates and voids hold."""
from datetime import date

import pytest

from services.billing.domain.invoice import Invoice, auto_number, number_sequence, shown_status
from services.chassis.errors import DomainError

LINES = [{"description": "Consulting", "quantity": "10", "unit_price_minor": 15000, "tax_rate": "20"},
         {"description": "Travel", "quantity": "1", "unit_price_minor": 4999, "discount_fixed_minor": 999}]
NOW = "2024-07-01T09:00:00.000000+00:00"


def draft(**kwargs) -> Invoice:
    given = {"org_id": "org-1", "customer_id": "cust-1", "currency": "EUR", "lines": LINES,
             "due_date": "2024-07-31", **kwargs}
    return Invoice.draft(**given)


def issued(**kwargs) -> Invoice:
    invoice = draft(**kwargs)
    invoice.issue("INV-000001", NOW)
    return invoice


def refold(invoice: Invoice) -> Invoice:
    return Invoice.from_events(invoice.pending)


def test_a_draft_is_priced_and_records_nothing():
    invoice = draft(notes="Thanks")
    assert invoice.pending == [] and invoice.status == "draft"
    assert invoice.totals.subtotal_minor == 150000 + 4999
    assert invoice.totals.tax_minor == 30000 and invoice.totals.total_minor == 180000 + 4000
    assert invoice.amount_due_minor == invoice.totals.total_minor and invoice.amount_paid_minor == 0


def test_a_draft_survives_its_row():
    invoice = draft(number="A-7", external_ref="erp-1")
    again = Invoice.from_draft(invoice.draft_row())
    assert again.draft_row() == invoice.draft_row() and again.totals == invoice.totals


def test_issuing_records_the_whole_invoice_and_the_fold_gives_it_back():
    invoice = issued(notes="Net 30", external_ref="erp-9")
    [event] = invoice.pending
    assert event.type == "InvoiceIssued" and event.aggregate_version == 1
    assert event.data["number"] == "INV-000001" and event.data["total_minor"] == 184000
    assert event.data["lines"][0]["tax_minor"] == 30000 and event.data["external_ref"] == "erp-9"
    folded = refold(invoice)
    assert (folded.status, folded.number, folded.totals, folded.lines, folded.notes) == (
        "sent", "INV-000001", invoice.totals, invoice.lines, "Net 30")


def test_issuing_twice_or_without_a_number_is_refused():
    invoice = issued()
    with pytest.raises(DomainError, match="already issued"):
        invoice.issue("INV-000002", NOW)
    with pytest.raises(DomainError) as caught:
        draft().issue(None, NOW)
    assert caught.value.extensions["field"] == "number"


def test_an_update_of_an_issued_invoice_records_what_changed():
    invoice = issued()
    changed = invoice.update({"notes": "Paid by transfer please", "due_date": "2024-07-31",
                              "lines": [{"description": "Consulting", "quantity": "5", "unit_price_minor": 15000}]})
    assert changed == ["lines", "notes"]
    event = invoice.pending[-1]
    assert event.type == "InvoiceUpdated" and event.data["changed"] == ["lines", "notes"]
    assert event.data["total_minor"] == event.data["amount_due_minor"] == 75000
    folded = refold(invoice)
    assert folded.totals.total_minor == 75000 and folded.notes == "Paid by transfer please"
    assert invoice.update({"notes": "Paid by transfer please"}) == []      # nothing moved: no event
    assert len(invoice.pending) == 2


def test_an_issued_invoices_number_and_currency_stay():
    with pytest.raises(DomainError):
        issued().update({"currency": "USD"})
    with pytest.raises(DomainError):
        issued().update({"number": "X-1"})
    invoice = draft()
    assert invoice.update({"currency": "USD", "number": "X-1"}) == ["currency", "number"]
    assert invoice.pending == []


def test_void_rules():
    invoice = issued()
    invoice.void("Sent to the wrong customer")
    assert invoice.status == "void" and invoice.amount_due_minor == 0
    assert invoice.pending[-1].data["reason"] == "Sent to the wrong customer"
    for attempt in (lambda: invoice.void(), lambda: invoice.update({"notes": "x"})):
        with pytest.raises(DomainError):
            attempt()
    with pytest.raises(DomainError, match="discard"):
        draft().void()
    paid = issued()
    paid.amount_paid_minor = 1                 # payments (next) will fold PaymentSettled into this
    with pytest.raises(DomainError, match="payment"):
        paid.void()


def test_status_follows_the_amounts_and_the_day():
    invoice = issued()
    assert invoice.status_on(date(2024, 7, 31)) == "sent"
    assert invoice.status_on(date(2024, 8, 1)) == "overdue"
    invoice.amount_paid_minor = 1000
    assert invoice.status == "partially_paid" and invoice.status_on(date(2024, 8, 1)) == "overdue"
    invoice.amount_paid_minor = invoice.totals.total_minor
    assert invoice.status == "paid" and invoice.status_on(date(2030, 1, 1)) == "paid"
    with pytest.raises(DomainError, match="paid"):
        invoice.update({"notes": "late change"})
    assert shown_status("sent", None, 100, date(2030, 1, 1)) == "sent"     # no due date: never overdue


def test_a_partly_paid_invoice_cannot_drop_below_what_was_paid():
    invoice = issued()
    invoice.amount_paid_minor = 100000
    with pytest.raises(DomainError, match="below"):
        invoice.update({"lines": [{"description": "x", "quantity": "1", "unit_price_minor": 500}]})


def test_a_view_is_recorded_only_for_an_issued_invoice():
    invoice = issued()
    invoice.record_view("contact-1")
    assert invoice.pending[-1].type == "InvoiceViewed" and refold(invoice).status == "sent"
    with pytest.raises(DomainError):
        draft().record_view("contact-1")


@pytest.mark.parametrize("kwargs, field", [
    ({"customer_id": ""}, "customer_id"), ({"currency": "ZZZ"}, "currency"), ({"lines": []}, "lines"),
    ({"lines": [{"description": "x", "quantity": "1", "unit_price_minor": -5}]}, "lines"),
    ({"due_date": "31/07/2024"}, "due_date"), ({"number": "no spaces allowed"}, "number"),
    ({"external_ref": ""}, "external_ref"),
])
def test_bad_drafts_name_the_field(kwargs, field):
    with pytest.raises(DomainError) as caught:
        draft(**kwargs)
    assert caught.value.extensions["field"] == field


def test_a_bad_line_names_its_index_and_field():
    bad = [LINES[0], {"description": "x", "quantity": "1.23456", "unit_price_minor": 1}]
    with pytest.raises(DomainError) as caught:
        draft(lines=bad)
    assert caught.value.extensions["errors"] == {"json": {"lines": {"1": {"quantity": [
        "The quantity may have at most 4 decimals."]}}}}


def test_auto_numbers():
    assert auto_number(123) == "INV-000123" and number_sequence("INV-000123") == 123
    assert number_sequence("INV-1234567") == 1234567 and number_sequence("A-1") is None
