"""The SalesOrder aggregate: what a customer ordered, priced, and how far it has come.

Pure rules, no I/O. Statuses move only forward, one way:

    confirmed -> partially_shipped -> shipped -> invoiced -> closed
        \\______________/
              cancelled          (only before the order has fully shipped)

- An order is placed confirmed (SalesOrderPlaced), with 1 to 500 lines.
- Staff, the ERP or a shipment move it forward (SalesOrderUpdated, `changed` names what
  moved). Moving it to where it is already is no change; moving it back is refused (422,
  field `status`): an ERP that re-sends an old status cannot undo progress.
- A shipment moves a confirmed order to partially_shipped, or to shipped when the
  shipment completes it.
- Lines, notes and the order date change only while the order is confirmed.
- A cancelled or closed order takes nothing more (409).
"""
from __future__ import annotations

import re
import uuid
from datetime import date

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError, PortalError
from services.chassis.text import clean_text
from services.orders.domain.lines import check_currency, price_lines

FLOW = ("confirmed", "partially_shipped", "shipped", "invoiced", "closed")
STATUSES = (*FLOW, "cancelled")
OPEN = ("confirmed", "partially_shipped", "shipped")     # what the customer still waits for
CANCELLABLE = ("confirmed", "partially_shipped")
MAX_NOTES = 5000
NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
AUTO_NUMBER = re.compile(r"^SO-(\d{1,15})$")


class OrderFinished(PortalError):
    """The order is cancelled or closed: it takes no more changes."""
    status = 409
    title = "Conflict"


def auto_number(sequence: int) -> str:
    return f"SO-{sequence:06d}"


def number_sequence(number: str) -> int | None:
    found = AUTO_NUMBER.match(number or "")
    return int(found.group(1)) if found else None


def check_number(value) -> str:
    if not isinstance(value, str) or not NUMBER.match(value.strip()):
        raise DomainError("An order number is 1 to 40 letters, digits, '.', '_', '/' or '-'.", field="number")
    return value.strip()


def check_date(value, field: str) -> str:
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise DomainError("A date is written YYYY-MM-DD.", field=field) from None


def check_status(value) -> str:
    if value not in STATUSES:
        raise DomainError(f"The status is one of {', '.join(STATUSES)}.", field="status")
    return value


class SalesOrder(Aggregate):
    aggregate_type = "SalesOrder"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.customer_id = ""
        self.number = ""
        self.status = "confirmed"
        self.currency = ""
        self.lines: list[dict] = []
        self.amounts = {"subtotal_minor": 0, "tax_minor": 0, "total_minor": 0}
        self.ordered_on = ""
        self.notes: str | None = None
        self.external_ref: str | None = None

    # --- commands -------------------------------------------------------------------------

    @classmethod
    def place(cls, org_id: str, customer_id: str, number: str, currency, lines, ordered_on,
              notes=None, external_ref: str | None = None, order_id: str | None = None) -> "SalesOrder":
        order = cls(order_id or str(uuid.uuid4()), org_id)
        priced, amounts = price_lines(lines)
        order.record("SalesOrderPlaced", {
            "sales_order_id": order.id, "customer_id": customer_id, "number": check_number(number),
            "status": "confirmed", "currency": check_currency(currency), "lines": priced, **amounts,
            "ordered_on": check_date(ordered_on, "ordered_on"), "notes": _notes(notes),
            "external_ref": external_ref})
        return order

    def change(self, changes: dict) -> list[str]:
        """Apply what is given (lines, notes, ordered_on, status, invoice_id); returns what
        moved, [] when nothing did (then no event is recorded)."""
        self.ensure_open()
        content = {k: changes[k] for k in ("lines", "notes", "ordered_on") if k in changes}
        if content and self.status != "confirmed":
            raise DomainError("Lines, notes and the order date change only while the order is confirmed.",
                              field=next(iter(content)))
        state = self._content()
        if "lines" in content:
            state["lines"], amounts = price_lines(content["lines"])
            state.update(amounts)
        if "notes" in content:
            state["notes"] = _notes(content["notes"])
        if "ordered_on" in content:
            state["ordered_on"] = check_date(content["ordered_on"], "ordered_on")
        if "status" in changes and changes["status"] is not None:
            state["status"] = self._forward_to(check_status(changes["status"]))
        changed = [k for k in ("lines", "notes", "ordered_on", "status") if state[k] != self._content()[k]]
        if not changed:
            return []
        self.record("SalesOrderUpdated", {**state, "changed": changed, "from_status": self.status,
                                          "invoice_id": changes.get("invoice_id")})
        return changed

    def shipped(self, completes: bool) -> list[str]:
        """A shipment left for this order: partially shipped, or shipped if it completes it."""
        self.ensure_open()
        if self.status not in ("confirmed", "partially_shipped"):
            return []
        return self.change({"status": "shipped" if completes else "partially_shipped"})

    def invoiced(self, invoice_id: str) -> list[str]:
        """billing raised an invoice for the order (an order already past it stays where it is)."""
        if self.status in ("invoiced", "closed", "cancelled"):
            return []
        return self.change({"status": "invoiced", "invoice_id": invoice_id})

    def cancel(self, reason=None) -> None:
        self.ensure_open()
        if self.status not in CANCELLABLE:
            raise DomainError("An order that has fully shipped cannot be cancelled.", field="status")
        self.record("SalesOrderCancelled", {
            "sales_order_id": self.id, "customer_id": self.customer_id, "number": self.number,
            "reason": clean_text(reason, field="reason", limit=2000, required=False)})

    # --- rules ----------------------------------------------------------------------------

    def ensure_open(self) -> None:
        if self.status in ("cancelled", "closed"):
            raise OrderFinished(f"Order {self.number} is {self.status}; it takes no more changes.", code=self.status)

    def _forward_to(self, status: str) -> str:
        if status == "cancelled":
            raise DomainError("Cancel an order with its cancel action (and a reason).", field="status")
        if FLOW.index(status) < FLOW.index(self.status):
            raise DomainError(f"Order {self.number} is {self.status.replace('_', ' ')}; its status only moves "
                              f"forward, not back to {status.replace('_', ' ')}.", field="status")
        return status

    def _content(self) -> dict:
        return {"sales_order_id": self.id, "customer_id": self.customer_id, "number": self.number,
                "status": self.status, "currency": self.currency, "lines": self.lines, **self.amounts,
                "ordered_on": self.ordered_on, "notes": self.notes, "external_ref": self.external_ref}

    # --- state ----------------------------------------------------------------------------

    def when_SalesOrderPlaced(self, d: dict) -> None:
        self.customer_id, self.number, self.currency = d["customer_id"], d["number"], d["currency"]
        self.external_ref = d["external_ref"]
        self.when_SalesOrderUpdated(d)

    def when_SalesOrderUpdated(self, d: dict) -> None:
        self.status, self.lines, self.ordered_on, self.notes = d["status"], d["lines"], d["ordered_on"], d["notes"]
        self.amounts = {k: d[k] for k in ("subtotal_minor", "tax_minor", "total_minor")}

    def when_SalesOrderCancelled(self, d: dict) -> None:
        self.status = "cancelled"


def _notes(value) -> str | None:
    return clean_text(value, field="notes", limit=MAX_NOTES, required=False)
