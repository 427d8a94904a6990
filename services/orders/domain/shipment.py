"""The Shipment aggregate: one parcel (or pallet) of a sales order on its way, and the
timeline of what its carrier reported.

Pure rules, no I/O. Delivery statuses, in the order a parcel goes through them:

    packed -> dispatched -> in_transit -> out_for_delivery -> delivered
    (exception: the carrier hit a problem; a later report clears it)

Carriers report late, twice, and out of order. So:
- Every report carries the carrier's own time (`reported_at`). The timeline is ordered by
  that time, not by when the report reached us.
- The current status is the latest report by the carrier's time, except that a report of an
  earlier stage never undoes a later one: "in transit at 09:00" arriving after "delivered at
  10:00" joins the timeline at 09:00 and the shipment stays delivered. An exception is shown
  when it is the latest report; progress reported after it (by the carrier's time) clears it.
- A report is applied once: its `update_ref` (the carrier's event id, or the API's
  idempotency key) is remembered; without one, the same status at the same time is the same
  report. A repeat records nothing and answers the shipment as it is.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from urllib.parse import urlsplit

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError
from services.chassis.text import clean_text

STAGES = ("packed", "dispatched", "in_transit", "out_for_delivery", "delivered")
STATUSES = (*STAGES, "exception")
FIRST = ("packed", "dispatched")
ON_THE_WAY = ("packed", "dispatched", "in_transit", "out_for_delivery", "exception")
MAX_TEXT = 200


def check_status(value, allowed=STATUSES, field: str = "status") -> str:
    if value not in allowed:
        raise DomainError(f"The status is one of {', '.join(allowed)}.", field=field)
    return value


def check_time(value, field: str = "reported_at") -> str:
    """An instant with its offset, stored in UTC (ISO 8601); a time without offset is refused."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            value = None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise DomainError("A time is ISO 8601 with its offset, e.g. 2026-12-01T09:30:00Z.", field=field)
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def check_url(value) -> str | None:
    if value in (None, ""):
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if not parts or parts.scheme not in ("https", "http") or not parts.netloc or len(value) > 2000:
        raise DomainError("The tracking link is a web address starting with https://.", field="tracking_url")
    return value


def _short(value, field: str) -> str | None:
    return clean_text(value, field=field, limit=MAX_TEXT, required=False)


def current_of(timeline: list[dict]) -> str:
    """The shipment's status from its timeline (ordered by the carrier's time): the latest
    report, where an earlier stage arriving with a later time never moves it back."""
    current, reached = "packed", -1
    for entry in timeline:
        if entry["status"] == "exception":
            current = "exception"
        elif STAGES.index(entry["status"]) >= reached:
            reached = STAGES.index(entry["status"])
            current = entry["status"]
    return current


class Shipment(Aggregate):
    aggregate_type = "Shipment"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.sales_order_id = ""
        self.customer_id = ""
        self.timeline: list[dict] = []          # {status, reported_at, update_ref}, by reported_at
        self.status = "packed"

    @classmethod
    def dispatch(cls, org_id: str, order, carrier, tracking_number, tracking_url, expected_on, status,
                 reported_at, external_ref: str | None = None, shipment_id: str | None = None) -> "Shipment":
        """A new shipment of `order` (a SalesOrder), packed or already dispatched."""
        shipment = cls(shipment_id or str(uuid.uuid4()), org_id)
        shipment.record("ShipmentDispatched", {
            "shipment_id": shipment.id, "sales_order_id": order.id, "customer_id": order.customer_id,
            "order_number": order.number, "carrier": _short(carrier, "carrier"),
            "tracking_number": _short(tracking_number, "tracking_number"), "tracking_url": check_url(tracking_url),
            "expected_on": expected_on, "status": check_status(status or "dispatched", FIRST),
            "reported_at": check_time(reported_at), "external_ref": external_ref})
        return shipment

    def report(self, status, reported_at, detail=None, location=None, update_ref: str | None = None) -> bool:
        """A carrier's report; False when it is one already applied (nothing recorded)."""
        status, at = check_status(status), check_time(reported_at)
        ref = update_ref or f"{status}@{at}"
        if any(entry["update_ref"] == ref for entry in self.timeline):
            return False
        timeline = sorted([*self.timeline, {"status": status, "reported_at": at, "update_ref": ref}],
                          key=lambda e: e["reported_at"])
        self.record("DeliveryStatusChanged", {
            "shipment_id": self.id, "sales_order_id": self.sales_order_id, "customer_id": self.customer_id,
            "status": status, "reported_at": at, "current_status": current_of(timeline),
            "detail": clean_text(detail, field="detail", limit=2000, required=False),
            "location": _short(location, "location"), "update_ref": ref})
        return True

    # --- state ----------------------------------------------------------------------------

    def _add(self, status: str, at: str, ref: str | None) -> None:
        self.timeline = sorted([*self.timeline, {"status": status, "reported_at": at, "update_ref": ref}],
                               key=lambda e: e["reported_at"])
        self.status = current_of(self.timeline)

    def when_ShipmentDispatched(self, d: dict) -> None:
        self.sales_order_id, self.customer_id = d["sales_order_id"], d["customer_id"]
        self._add(d["status"], d["reported_at"], f"{d['status']}@{d['reported_at']}")

    def when_DeliveryStatusChanged(self, d: dict) -> None:
        self._add(d["status"], d["reported_at"], d["update_ref"])
