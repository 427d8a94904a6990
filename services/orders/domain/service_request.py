"""The ServiceRequest aggregate: something a customer asked the business to do (a repair, an
installation, a visit), its status, priority, who of the staff looks after it, and the
conversation of updates between the customer and the staff.

Pure rules, no I/O. Statuses and the moves staff (or the ERP) may make:

    new ---------> in_progress <--------> waiting_on_customer
     |               |    ^                    |
     |               v    | (reopen)           |
     +-----------> resolved <-----------------+
     |               |
     +-------------> closed  <---- from any status; final

- A request is opened `new` (ServiceRequestOpened), numbered SR-000001 per org.
- Staff move it along the arrows above; moving it to where it is already is no change; any
  other move is refused (422, field `status`). Nothing moves back to `new`.
- A customer's update on a request waiting on them, or on a resolved one, moves it back to
  `in_progress` in the same event (changed: update, status): the ball is with staff again.
- A closed request takes nothing more: no update, no change (409).
- Updates are plain text, 1 to 5,000 characters; a description at most 20,000.
"""
from __future__ import annotations

import re
import uuid

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError, PortalError
from services.chassis.text import clean_text

STATUSES = ("new", "in_progress", "waiting_on_customer", "resolved", "closed")
MOVES = {
    "new": ("in_progress", "waiting_on_customer", "resolved", "closed"),
    "in_progress": ("waiting_on_customer", "resolved", "closed"),
    "waiting_on_customer": ("in_progress", "resolved", "closed"),
    "resolved": ("in_progress", "closed"),
    "closed": (),
}
OPEN = ("new", "in_progress", "waiting_on_customer")         # what the customer still waits for
BACK_TO_STAFF = ("waiting_on_customer", "resolved")          # a customer's update moves these on
PRIORITIES = ("low", "normal", "high", "urgent")
MAX_SUBJECT = 200
MAX_DESCRIPTION = 20_000
MAX_UPDATE = 5000
MAX_CATEGORY = 100
MAX_NAME = 200
AUTO_NUMBER = re.compile(r"^SR-(\d{1,15})$")


class RequestClosed(PortalError):
    """The request is closed: it takes no more changes or updates."""
    status = 409
    title = "Conflict"


def auto_number(sequence: int) -> str:
    return f"SR-{sequence:06d}"


def number_sequence(number: str) -> int | None:
    found = AUTO_NUMBER.match(number or "")
    return int(found.group(1)) if found else None


def check_status(value) -> str:
    if value not in STATUSES:
        raise DomainError(f"The status is one of {', '.join(STATUSES)}.", field="status")
    return value


def check_priority(value) -> str:
    if value not in PRIORITIES:
        raise DomainError(f"The priority is one of {', '.join(PRIORITIES)}.", field="priority")
    return value


def label(status: str) -> str:
    return status.replace("_", " ")


class ServiceRequest(Aggregate):
    aggregate_type = "ServiceRequest"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.customer_id = ""
        self.number = ""
        self.status = "new"
        self.priority = "normal"
        self.assignee_id: str | None = None
        self.assignee_name: str | None = None

    # --- commands -------------------------------------------------------------------------

    @classmethod
    def open(cls, org_id: str, customer_id: str, number: str, subject, description, priority="normal",
             category=None, opened_by_kind: str = "system", opened_by_id: str | None = None,
             external_ref: str | None = None, request_id: str | None = None) -> "ServiceRequest":
        request = cls(request_id or str(uuid.uuid4()), org_id)
        request.record("ServiceRequestOpened", {
            "service_request_id": request.id, "customer_id": customer_id, "number": number,
            "subject": clean_text(subject, field="subject", limit=MAX_SUBJECT,
                                  empty="Give the request a subject."),
            "description": clean_text(description, field="description", limit=MAX_DESCRIPTION,
                                      empty="Describe what you need: an empty request cannot be answered."),
            "status": "new", "priority": check_priority(priority or "normal"),
            "category": clean_text(category, field="category", limit=MAX_CATEGORY, required=False),
            "opened_by_kind": opened_by_kind, "opened_by_id": opened_by_id, "external_ref": external_ref})
        return request

    def change(self, changes: dict) -> list[str]:
        """Staff's change of status, priority or assignee (`assignee_id` with `assignee_name`,
        both None to unassign): what moved, [] when nothing did (then nothing is recorded)."""
        self.ensure_open()
        state = self._state()
        if changes.get("status") is not None:
            state["status"] = self._move_to(check_status(changes["status"]))
        if changes.get("priority") is not None:
            state["priority"] = check_priority(changes["priority"])
        if "assignee_id" in changes:
            assignee = changes["assignee_id"] or None
            name = clean_text(changes.get("assignee_name"), field="assignee_name", limit=MAX_NAME, required=False)
            if assignee and not name:
                raise DomainError("Name whom the request is assigned to.", field="assignee_name")
            state["assignee_id"], state["assignee_name"] = assignee, name if assignee else None
        changed = [k for k in ("status", "priority", "assignee") if self._differs(state, k)]
        if changed:
            self._record_update(state, changed)
        return changed

    def post_update(self, text, author_kind: str, author_name: str | None) -> str:
        """An update of the conversation; the customer's moves a request waiting on them (or
        resolved) back to in progress. Returns the update's id."""
        self.ensure_open()
        state = self._state()
        changed = ["update"]
        if author_kind == "contact" and self.status in BACK_TO_STAFF:
            state["status"] = "in_progress"
            changed.append("status")
        update_id = str(uuid.uuid4())
        self._record_update(state, changed, update_id=update_id,
                            text=clean_text(text, field="text", limit=MAX_UPDATE), author_kind=author_kind,
                            author_name=clean_text(author_name, field="author_name", limit=MAX_NAME, required=False))
        return update_id

    # --- rules ----------------------------------------------------------------------------

    def ensure_open(self) -> None:
        if self.status == "closed":
            raise RequestClosed(f"Service request {self.number} is closed; it takes no more changes.", code="closed")

    def _move_to(self, status: str) -> str:
        if status == self.status or status in MOVES[self.status]:
            return status
        raise DomainError(f"Service request {self.number} is {label(self.status)}; it cannot move to "
                          f"{label(status)}.", field="status")

    def _state(self) -> dict:
        return {"status": self.status, "priority": self.priority, "assignee_id": self.assignee_id,
                "assignee_name": self.assignee_name}

    def _differs(self, state: dict, what: str) -> bool:
        if what == "assignee":
            return (state["assignee_id"], state["assignee_name"]) != (self.assignee_id, self.assignee_name)
        return state[what] != getattr(self, what)

    def _record_update(self, state: dict, changed: list[str], update_id=None, text=None, author_kind=None,
                       author_name=None) -> None:
        self.record("ServiceRequestUpdated", {
            "service_request_id": self.id, "customer_id": self.customer_id, "number": self.number,
            "changed": changed, **state, "from_status": self.status, "update_id": update_id, "text": text,
            "author_kind": author_kind, "author_name": author_name})

    # --- state ----------------------------------------------------------------------------

    def when_ServiceRequestOpened(self, d: dict) -> None:
        self.customer_id, self.number = d["customer_id"], d["number"]
        self.status, self.priority = d["status"], d["priority"]

    def when_ServiceRequestUpdated(self, d: dict) -> None:
        self.status, self.priority = d["status"], d["priority"]
        self.assignee_id, self.assignee_name = d["assignee_id"], d["assignee_name"]
