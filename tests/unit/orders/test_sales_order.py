"""The SalesOrder's rules: amounts from lines, a status that only moves forward, what a
cancelled or closed order refuses, and what each event says."""
import pytest

from services.chassis.errors import DomainError
from services.orders.domain.sales_order import OrderFinished, SalesOrder

LINES = [{"description": "Widgets", "quantity": "3", "unit_price_minor": 2500, "tax_rate": "19"},
         {"description": "Delivery", "quantity": "1", "unit_price_minor": 999, "tax_rate": "7"}]


def placed(**extra) -> SalesOrder:
    return SalesOrder.place("org-1", "cust-1", "SO-000001", "EUR", LINES, "2026-12-01", **extra)


def test_amounts_are_the_sums_of_rounded_lines():
    order = placed()
    assert order.amounts == {"subtotal_minor": 8499, "tax_minor": 1425 + 70, "total_minor": 8499 + 1495}
    assert [line["total_minor"] for line in order.lines] == [8925, 1069]
    assert order.pending[0].type == "SalesOrderPlaced" and order.status == "confirmed"


def test_half_a_cent_rounds_away_from_zero():
    order = SalesOrder.place("org-1", "c", "SO-1", "EUR", [{"description": "x", "quantity": "0.5",
                                                           "unit_price_minor": 3, "tax_rate": "0"}], "2026-12-01")
    assert order.amounts["total_minor"] == 2


@pytest.mark.parametrize("line, field, says", [
    ({"quantity": "-1"}, "quantity", "cannot be negative"),
    ({"quantity": "0"}, "quantity", "more than 0"),
    ({"quantity": 1.5}, "quantity", "number written as text"),
    ({"unit_price_minor": -5}, "unit_price_minor", "0 or more"),
    ({"tax_rate": "120"}, "tax_rate", "at most 100"),
    ({"description": "  "}, "description", "needs a description"),
])
def test_a_bad_line_is_refused_naming_its_field(line, field, says):
    with pytest.raises(DomainError) as refused:
        SalesOrder.place("org-1", "c", "SO-1", "EUR", [LINES[0], {**LINES[1], **line}], "2026-12-01")
    assert refused.value.extensions["errors"] == {"json": {"lines": {"1": {field: [refused.value.detail[8:]]}}}}
    assert says in refused.value.detail and refused.value.detail.startswith("Line 2:")


def test_status_moves_forward_and_never_back():
    order = placed()
    assert order.change({"status": "shipped"}) == ["status"]
    assert order.change({"status": "shipped"}) == []                     # where it is: no change, no event
    with pytest.raises(DomainError) as refused:
        order.change({"status": "confirmed"})
    assert refused.value.extensions["field"] == "status" and "only moves forward" in refused.value.detail
    order.change({"status": "invoiced", "invoice_id": "inv-1"})
    order.change({"status": "closed"})
    assert [e.data["status"] for e in order.pending[1:]] == ["shipped", "invoiced", "closed"]
    with pytest.raises(OrderFinished):
        order.change({"notes": "late"})


def test_an_unknown_status_is_refused():
    with pytest.raises(DomainError) as refused:
        placed().change({"status": "teleported"})
    assert refused.value.extensions["field"] == "status"


def test_lines_change_only_while_confirmed():
    order = placed()
    assert order.change({"lines": LINES[:1]}) == ["lines"] and order.amounts["total_minor"] == 8925
    order.shipped(completes=False)
    assert order.status == "partially_shipped"
    with pytest.raises(DomainError) as refused:
        order.change({"lines": LINES})
    assert refused.value.extensions["field"] == "lines"


def test_cancel_before_it_fully_shipped_only():
    order = placed()
    order.shipped(completes=False)
    order.cancel("Customer changed their mind")
    assert order.status == "cancelled" and order.pending[-1].data["reason"] == "Customer changed their mind"
    with pytest.raises(OrderFinished):
        order.cancel()
    shipped = placed()
    shipped.shipped(completes=True)
    with pytest.raises(DomainError):
        shipped.cancel()


def test_invoiced_is_recorded_once_and_never_moves_a_closed_order():
    order = placed()
    assert order.invoiced("inv-1") == ["status"]
    assert order.invoiced("inv-1") == []
    order.change({"status": "closed"})
    assert order.invoiced("inv-2") == [] and order.status == "closed"


def test_the_fold_gives_the_same_order():
    order = placed(notes="Ring twice")
    order.shipped(completes=False)
    again = SalesOrder.from_events(order.pending)
    assert (again.status, again.amounts, again.notes, again.number) == (
        "partially_shipped", order.amounts, "Ring twice", "SO-000001")
