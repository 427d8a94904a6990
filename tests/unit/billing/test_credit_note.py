"""The CreditNote aggregate: lines priced like invoice lines (or a plain amount as one line),
only the customer's issued invoices in the same currency, credit applied never more than
the note has left nor the invoice has due, refunds likewise; the fold gives the state back;
every event matches its contract."""
import pytest
from hypothesis import given, settings, strategies as st

from contracts.catalogue import validate_data
from services.billing.domain.credit_note import (Creditable, CreditNote, auto_number, number_sequence,
                                                 status_of)
from services.chassis.errors import DomainError, NotFound

NOW = "2026-05-04T10:00:00+00:00"
LINE = {"description": "Consulting", "quantity": "2.5", "unit_price_minor": 10000, "tax_rate": "20"}   # 30000


def invoice(due=30000, total=30000, customer="cust-1", currency="EUR", status="sent", invoice_id="inv-1"):
    return Creditable(invoice_id, customer, "INV-000001", currency, status, total, due)


def note(amount=10000, **kwargs) -> CreditNote:
    kwargs.setdefault("amount_minor", None if "lines" in kwargs else amount)
    return CreditNote.issue("org-1", "cust-1", kwargs.pop("currency", "EUR"), kwargs.pop("number", "CN-000001"),
                            NOW, **kwargs)


def refold(credit_note: CreditNote) -> CreditNote:
    return CreditNote.from_events(credit_note.pending)


def test_numbers():
    assert auto_number(7) == "CN-000007" and number_sequence("CN-000123") == 123
    assert number_sequence("INV-000001") is None and number_sequence(None) is None


def test_lines_are_priced_like_invoice_lines():
    priced = note(lines=[{**LINE, "discount_percent": "10"}], reason=" Late delivery ")
    [event] = priced.pending
    assert event.type == "CreditNoteIssued" and event.aggregate_type == "CreditNote"
    d = event.data
    assert (d["subtotal_minor"], d["discount_minor"], d["tax_minor"], d["total_minor"]) == (25000, 2500, 4500, 27000)
    assert d["reason"] == "Late delivery" and d["invoice_id"] is None and d["number"] == "CN-000001"
    assert priced.remaining_minor == 27000 and priced.status == "open"
    validate_data("CreditNoteIssued", d)


def test_a_plain_amount_is_one_line_without_tax():
    plain = note(4321, description="Goodwill")
    [line] = plain.pending[0].data["lines"]
    assert (line["description"], line["total_minor"], line["tax_minor"]) == ("Goodwill", 4321, 0)
    assert note(5).pending[0].data["lines"][0]["description"] == "Credit"


@pytest.mark.parametrize("kwargs, field", [
    ({"amount_minor": None}, "lines"),                                     # neither
    ({"amount_minor": 5, "lines": [LINE]}, "lines"),                       # both
    ({"amount_minor": 0}, "amount_minor"),
    ({"amount_minor": True}, "amount_minor"),
    ({"amount_minor": 10**16}, "amount_minor"),
    ({"lines": [{**LINE, "unit_price_minor": 0}]}, "lines"),               # credits nothing
    ({"lines": []}, "lines"),
    ({"currency": "XXX"}, "currency"),
    ({"number": "INV-000001"}, "number"),
    ({"lines": [LINE], "description": "x"}, "description"),
])
def test_what_a_note_refuses(kwargs, field):
    with pytest.raises(DomainError) as refused:
        note(**kwargs)
    assert refused.value.extensions.get("field") == field


def test_against_an_invoice_of_the_customer_in_its_currency_and_at_most_its_total():
    against = note(30000, invoice=invoice(), invoice_id="inv-1")
    assert against.pending[0].data["invoice_id"] == "inv-1"
    with pytest.raises(NotFound):
        note(invoice=invoice(customer="cust-2"), invoice_id="inv-1")
    with pytest.raises(NotFound):
        note(invoice=None, invoice_id="inv-1")
    with pytest.raises(NotFound):
        note(invoice=invoice(status="draft"), invoice_id="inv-1")
    with pytest.raises(DomainError, match="USD"):
        note(invoice=invoice(currency="USD"), invoice_id="inv-1")
    with pytest.raises(DomainError, match="void"):
        note(invoice=invoice(status="void"), invoice_id="inv-1")
    with pytest.raises(DomainError, match="total"):
        note(30001, invoice=invoice(), invoice_id="inv-1")


def test_applying_lowers_what_is_left_and_says_so():
    credit = note(10000)
    credit.apply(invoice(due=6000), 6000)
    event = credit.pending[-1]
    assert event.type == "CreditApplied" and event.data["remaining_minor"] == 4000
    validate_data("CreditApplied", event.data)
    assert (credit.applied_minor, credit.remaining_minor, credit.status) == (6000, 4000, "partially_used")
    with pytest.raises(DomainError, match="only 40.00 EUR left"):
        credit.apply(invoice(invoice_id="inv-2"), 4001)
    with pytest.raises(DomainError, match="Only 1.00 EUR is due"):
        credit.apply(invoice(due=100, invoice_id="inv-2"), 101)
    with pytest.raises(DomainError, match="nothing left to pay"):
        credit.apply(invoice(due=0, invoice_id="inv-2"), 1)
    credit.apply(invoice(invoice_id="inv-2"), 4000)
    assert credit.status == "used"
    with pytest.raises(DomainError, match="no credit left"):
        credit.apply(invoice(invoice_id="inv-3"), 1)
    assert refold(credit).remaining_minor == 0 and refold(credit).applied_minor == 10000


@pytest.mark.parametrize("target, error", [
    (invoice(customer="cust-2"), NotFound), (None, NotFound), (invoice(status="draft"), NotFound),
    (invoice(currency="USD"), DomainError), (invoice(status="void"), DomainError),
])
def test_credit_goes_only_to_the_customers_live_invoices_in_its_currency(target, error):
    credit = note()
    with pytest.raises(error):
        credit.apply(target, 100)
    assert len(credit.pending) == 1


def test_refunds_are_records_within_what_is_left():
    credit = note(5000)
    assert credit.refund(2000, "By bank transfer", refund_id="r-1")
    event = credit.pending[-1]
    assert event.type == "CreditRefunded" and event.data["remaining_minor"] == 3000
    assert event.data["reason"] == "By bank transfer" and event.data["refund_id"] == "r-1"
    validate_data("CreditRefunded", event.data)
    assert not credit.refund(2000, refund_id="r-1")                         # the same refund again
    with pytest.raises(DomainError):
        credit.refund(3001)
    with pytest.raises(DomainError):
        credit.refund(0)
    credit.refund(3000)
    assert credit.status == "used" and refold(credit).refunded_minor == 5000


def test_status_of():
    assert [status_of(100, r) for r in (100, 40, 0)] == ["open", "partially_used", "used"]


@settings(max_examples=200, deadline=None)
@given(total=st.integers(1, 10**9),
       uses=st.lists(st.tuples(st.sampled_from(["apply", "refund"]), st.integers(-5, 10**9),
                               st.integers(0, 10**9)), max_size=12))
def test_never_more_than_the_note_nor_what_is_due(total, uses):
    """Whatever is asked, what is used adds up, is never more than the note, and each
    application is at most what its invoice had due."""
    credit = note(total)
    for n, (kind, amount, due) in enumerate(uses):
        before = credit.remaining_minor
        try:
            if kind == "apply":
                credit.apply(invoice(due=due, total=max(due, 1), invoice_id=f"inv-{n}"), amount)
                assert amount <= due
            else:
                credit.refund(amount)
        except DomainError:
            assert credit.remaining_minor == before
            continue
        assert 0 < amount <= before and credit.remaining_minor == before - amount
    folded = refold(credit)
    assert folded.applied_minor + folded.refunded_minor + folded.remaining_minor == total
    assert 0 <= folded.remaining_minor <= total
    assert [e.data["remaining_minor"] for e in credit.pending[1:]] == sorted(
        (e.data["remaining_minor"] for e in credit.pending[1:]), reverse=True)
