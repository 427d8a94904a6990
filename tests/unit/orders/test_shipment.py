"""The Shipment's timeline: ordered by the carrier's time, the current status the latest
report, a late report of an earlier stage never undoing a later one, and a repeat applied once."""
import pytest

from services.chassis.errors import DomainError
from services.orders.domain.sales_order import SalesOrder
from services.orders.domain.shipment import Shipment

ORDER = SalesOrder.place("org-1", "cust-1", "SO-000001", "EUR",
                         [{"description": "Widgets", "quantity": "1", "unit_price_minor": 100}], "2026-12-01")


def shipment() -> Shipment:
    return Shipment.dispatch("org-1", ORDER, "DHL", "JD0001", "https://track.example/JD0001", None, "dispatched",
                             "2026-12-01T08:00:00Z")


def steps(s: Shipment) -> list[tuple[str, str]]:
    return [(e["status"], e["reported_at"][11:16]) for e in s.timeline]


def test_delivered_before_in_transit_stays_delivered_with_a_right_timeline():
    s = shipment()
    assert s.report("delivered", "2026-12-02T10:00:00Z")
    assert s.report("in_transit", "2026-12-02T09:00:00Z")         # late: the carrier's 09:00
    assert s.status == "delivered"
    assert steps(s) == [("dispatched", "08:00"), ("in_transit", "09:00"), ("delivered", "10:00")]
    assert s.pending[-1].data["current_status"] == "delivered"


def test_an_earlier_stage_reported_with_a_later_time_does_not_undo_progress():
    s = shipment()
    s.report("out_for_delivery", "2026-12-02T09:00:00Z")
    s.report("in_transit", "2026-12-02T11:00:00Z")
    assert s.status == "out_for_delivery"


def test_an_exception_shows_until_later_progress_clears_it():
    s = shipment()
    s.report("exception", "2026-12-02T09:00:00Z", detail="Address not found")
    assert s.status == "exception"
    s.report("out_for_delivery", "2026-12-02T12:00:00Z")
    assert s.status == "out_for_delivery"
    s.report("exception", "2026-12-02T07:00:00Z")                 # an old problem, reported late
    assert s.status == "out_for_delivery"


def test_the_same_report_twice_is_applied_once():
    s = shipment()
    assert s.report("in_transit", "2026-12-02T09:00:00Z", update_ref="evt-1")
    assert not s.report("in_transit", "2026-12-02T09:00:00Z", update_ref="evt-1")
    assert s.report("delivered", "2026-12-02T10:00:00Z")
    assert not s.report("delivered", "2026-12-02T10:00:00+00:00")   # no ref: same status, same time
    assert len(s.pending) == 3 and len(s.timeline) == 3


def test_times_are_kept_in_utc_and_need_an_offset():
    s = shipment()
    s.report("in_transit", "2026-12-02T11:00:00+02:00")
    assert s.timeline[-1]["reported_at"].startswith("2026-12-02T09:00:00")
    with pytest.raises(DomainError) as refused:
        s.report("in_transit", "2026-12-02T11:00:00")
    assert refused.value.extensions["field"] == "reported_at"


@pytest.mark.parametrize("status", ["lost", "", None])
def test_an_unknown_status_is_refused(status):
    with pytest.raises(DomainError) as refused:
        shipment().report(status, "2026-12-02T09:00:00Z")
    assert refused.value.extensions["field"] == "status"


def test_a_tracking_link_must_be_a_web_address():
    with pytest.raises(DomainError) as refused:
        Shipment.dispatch("org-1", ORDER, "DHL", "1", "javascript:alert(1)", None, "dispatched", "2026-12-01T08:00:00Z")
    assert refused.value.extensions["field"] == "tracking_url"


def test_the_fold_rebuilds_the_timeline():
    s = shipment()
    s.report("delivered", "2026-12-02T10:00:00Z")
    s.report("in_transit", "2026-12-02T09:00:00Z")
    again = Shipment.from_events(s.pending)
    assert steps(again) == steps(s) and again.status == "delivered"
