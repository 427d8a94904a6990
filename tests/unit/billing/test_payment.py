"""The Payment aggregate: allocations add up, statuses only move forward, refunds never
exceed what was paid, the fold gives the state back; and `allocate`'s rules for a new
payment (the customer's invoices, issued, not void or paid, one currency, partial and bulk
only where the org allows them)."""
from dataclasses import replace

import pytest
from hypothesis import given, settings, strategies as st

from services.billing.domain.payment import InvoiceNotPayable, Payable, Payment, allocate, owed_again
from services.chassis.errors import DomainError


def started(*amounts, gateway="simulated", method="card") -> Payment:
    allocations = [{"invoice_id": f"inv-{n}", "amount_minor": a} for n, a in enumerate(amounts or (30000,))]
    return Payment.start("org-1", "cust-1", allocations, "EUR", gateway, method)


def refold(payment: Payment) -> Payment:
    return Payment.from_events(payment.pending)


def test_starting_records_the_allocations_and_their_sum():
    payment = started(30000, 12000)
    [event] = payment.pending
    assert event.type == "PaymentInitiated" and event.aggregate_type == "Payment"
    assert event.data["amount_minor"] == 42000 and event.data["method"] == "card"
    assert payment.status == "initiated" and payment.in_flight
    assert payment.paid_by_invoice() == {"inv-0": 0, "inv-1": 0}


@pytest.mark.parametrize("allocations, field", [
    ([], "invoices"),
    ([{"invoice_id": "a", "amount_minor": 0}], "invoices"),
    ([{"invoice_id": "a", "amount_minor": -5}], "invoices"),
    ([{"invoice_id": "a", "amount_minor": 1.5}], "invoices"),
    ([{"invoice_id": "a", "amount_minor": True}], "invoices"),
    ([{"invoice_id": "a", "amount_minor": 1}, {"invoice_id": "a", "amount_minor": 2}], "invoices"),
])
def test_bad_allocations_are_refused(allocations, field):
    with pytest.raises(DomainError) as caught:
        Payment.start("org-1", "cust-1", allocations, "EUR", "simulated", "card")
    assert caught.value.extensions["field"] == field


def test_an_offline_payment_needs_an_offline_method_and_a_known_gateway():
    with pytest.raises(DomainError):
        started(100, gateway="offline", method="card")
    with pytest.raises(DomainError):
        started(100, gateway="bitcoin")
    assert started(100, gateway="offline", method="cheque").gateway == "offline"


def test_statuses_only_move_forward():
    payment = started()
    assert payment.mark_pending("ref-1") and payment.status == "pending"
    assert not payment.mark_pending("ref-1")                              # twice: nothing
    assert payment.settle() and payment.status == "settled" and payment.gateway_reference == "ref-1"
    assert not payment.mark_pending() and not payment.fail("late") and not payment.settle()
    assert payment.status == "settled" and [e.type for e in payment.pending] == [
        "PaymentInitiated", "PaymentPending", "PaymentSettled"]
    failed = started()
    assert failed.fail("card_declined", "The card was declined.", "ref-2")
    assert not failed.settle() and not failed.mark_pending() and failed.status == "failed"
    assert refold(failed).failure_reason == "card_declined"


def test_settled_straight_from_initiated_pays_the_invoices():
    payment = started(30000, 12000)
    assert payment.settle("ref")
    assert payment.paid_by_invoice() == {"inv-0": 30000, "inv-1": 12000}
    assert refold(payment).paid_by_invoice() == payment.paid_by_invoice()


def test_refunds_come_off_the_last_invoice_first_and_never_exceed_what_was_paid():
    """Reversed payments (the invoices owe it again): what the payment pays goes down."""
    payment = started(30000, 12000)
    with pytest.raises(DomainError, match="settled"):
        payment.refund("r-0", 100, reopens_invoice=True)
    payment.settle("ref")
    assert payment.refund("r-1", 20000, "Goodwill", "re_1", reopens_invoice=True)
    assert payment.pending[-1].data["allocations"] == [{"invoice_id": "inv-1", "amount_minor": 12000},
                                                       {"invoice_id": "inv-0", "amount_minor": 8000}]
    assert payment.paid_by_invoice() == {"inv-0": 22000, "inv-1": 0} and payment.status == "refunded"
    assert not payment.refund("r-1", 20000)                                  # the same refund again: nothing
    with pytest.raises(DomainError, match="22000"):
        payment.refund("r-2", 22001)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(DomainError):
            payment.refund("r-3", bad)
    assert payment.refund("r-4", 22000, reopens_invoice=True) and payment.refundable_minor == 0
    folded = refold(payment)
    assert (folded.refunded_minor, folded.paid_by_invoice(), folded.status) == (42000, payment.paid_by_invoice(),
                                                                              "refunded")


def test_a_refund_gives_money_back_and_leaves_the_invoices_paid_unless_staff_reopen_them():
    payment = started(58500)
    payment.settle("ref")
    assert payment.refund("r-1", 8500, "Damaged item")
    assert payment.pending[-1].data["reopens_invoice"] is False
    assert (payment.status, payment.refunded_minor, payment.refundable_minor) == ("refunded", 8500, 50000)
    assert payment.paid_by_invoice() == {"inv-0": 58500}                     # still paid: nothing owed again
    assert payment.refunded_by_invoice == {"inv-0": 8500}
    assert not payment.refund("r-1", 8500)                                   # the same refund again: nothing
    assert payment.refund("r-2", 10000, "Cheque bounced", reopens_invoice=True)
    assert payment.pending[-1].data["reopens_invoice"] is True
    assert payment.paid_by_invoice() == {"inv-0": 48500}                     # the reversed part is owed again
    folded = refold(payment)
    assert (folded.refunded_minor, folded.paid_by_invoice()) == (18500, {"inv-0": 48500})
    with pytest.raises(DomainError):
        payment.refund("r-3", 100, reopens_invoice="yes")


def test_a_refund_recorded_before_the_choice_existed_reopened_its_invoices_and_still_does():
    payment = started(30000, 12000)
    payment.settle("ref")
    payment.refund("r-1", 20000)
    old = {k: v for k, v in payment.pending[-1].data.items() if k not in ("reopens_invoice", "allocations")}
    assert owed_again(old) and not owed_again(payment.pending[-1].data)
    folded = Payment.from_events([*payment.pending[:-1], replace(payment.pending[-1], data=old)])
    assert folded.paid_by_invoice() == {"inv-0": 22000, "inv-1": 0}


@settings(max_examples=200, deadline=None)
@given(amounts=st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=8),
       steps=st.lists(st.one_of(st.sampled_from(["pending", "settled", "failed"]),
                                st.integers(min_value=-5, max_value=2 * 10**9)), max_size=12),
       reopens=st.booleans())
def test_whatever_happens_allocations_add_up_and_paid_stays_within_bounds(amounts, steps, reopens):
    payment = started(*amounts)
    for n, step in enumerate(steps):
        try:
            if step == "pending":
                payment.mark_pending("ref")
            elif step == "settled":
                payment.settle("ref")
            elif step == "failed":
                payment.fail("declined")
            else:
                payment.refund(f"r-{n}", step, reopens_invoice=reopens)
        except DomainError:
            pass
        assert sum(a["amount_minor"] for a in payment.allocations) == payment.amount_minor == sum(amounts)
        paid = payment.paid_by_invoice()
        assert all(0 <= paid[a["invoice_id"]] <= a["amount_minor"] for a in payment.allocations)
        assert 0 <= payment.refunded_minor <= payment.amount_minor
        owed_again_minor = payment.refunded_minor if reopens else 0
        assert sum(paid.values()) == (payment.amount_minor - owed_again_minor
                                      if payment.status in ("settled", "refunded") else 0)
        for event in payment.pending:
            if "allocations" in event.data:
                assert sum(a["amount_minor"] for a in event.data["allocations"]) == event.data["amount_minor"]
    folded = refold(payment)
    assert (folded.status, folded.refunded_minor, folded.paid_by_invoice()) == (
        payment.status, payment.refunded_minor, payment.paid_by_invoice())


# --- allocate: what a new payment may cover ------------------------------------------------

def payable(n=1, customer="cust-1", currency="EUR", status="sent", due=30000):
    return Payable(f"inv-{n}", customer, f"INV-{n:06d}", currency, status, due)


def test_allocate_takes_the_amount_due_unless_told_otherwise():
    allocations, currency = allocate([payable(1), payable(2, due=500)], [("inv-1", None), ("inv-2", None)],
                                     "cust-1", partial_allowed=False, bulk_allowed=True)
    assert allocations == [{"invoice_id": "inv-1", "amount_minor": 30000},
                           {"invoice_id": "inv-2", "amount_minor": 500}] and currency == "EUR"


@pytest.mark.parametrize("invoices, asked, partial, bulk, match", [
    ([payable()], [("inv-1", 100)], False, True, "in full"),
    ([payable()], [("inv-1", 30001)], True, True, "more than"),
    ([payable()], [("inv-1", 0)], True, True, "positive"),
    ([payable(), payable(2)], [("inv-1", None), ("inv-2", None)], False, False, "one at a time"),
    ([payable(), payable(2, currency="USD")], [("inv-1", None), ("inv-2", None)], False, True, "currency"),
    ([payable(status="void", due=0)], [("inv-1", None)], False, True, "void"),
    ([payable(status="paid", due=0)], [("inv-1", None)], False, True, "already paid"),
    ([payable()], [("inv-1", None), ("inv-1", None)], False, True, "only once"),
    ([payable()], [], False, True, "at least one"),
])
def test_allocate_refuses(invoices, asked, partial, bulk, match):
    with pytest.raises(DomainError, match=match):
        allocate(invoices, asked, "cust-1", partial, bulk)


@pytest.mark.parametrize("invoice", [payable(customer="cust-2"), payable(status="draft"), None])
def test_an_invoice_that_is_not_the_customers_is_not_found(invoice):
    with pytest.raises(InvoiceNotPayable) as caught:
        allocate([invoice] if invoice else [], [("inv-1", None)], "cust-1", True, True)
    assert caught.value.status == 404


def test_a_partial_amount_where_allowed():
    allocations, _ = allocate([payable()], [("inv-1", 100)], "cust-1", partial_allowed=True, bulk_allowed=False)
    assert allocations == [{"invoice_id": "inv-1", "amount_minor": 100}]
