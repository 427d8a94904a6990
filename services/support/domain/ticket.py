"""The Ticket aggregate: a customer's request to the support team and its conversation.

Pure rules, no I/O. Statuses (contracts/events/support.py):

    open -> in_progress -> waiting_on_customer -> resolved -> closed
      ^________|______________|  (staff move it freely among the first four)

- Staff set any status but `closed` through `set_status`; closing is `close` (a resolution
  text, TicketClosed). A closed ticket takes nothing more: no message, no note, no change.
- A contact's message on a ticket `waiting_on_customer` moves it back to `open`
  ("customer_replied"); on a `resolved` one it reopens it, within the org's window
  (`reopen_days` after it was resolved); later, the contact is asked to raise a new one.
- A contact may also reopen a resolved ticket explicitly, within the same window.
- Messages are numbered 1, 2, 3 ... in the ticket (`seq`), in the order they were
  appended to its stream: both sides show that order, whatever the clocks say. Two writers
  at once append one after the other (the store's optimistic version check retries the
  second on the fresh stream), so no two messages share a number.
- Staff-internal notes are TicketNoteAdded, a different event from messages, so no
  consumer can mistake one for something the customer may read.
- Merging closes a duplicate into another ticket of the same customer (TicketMerged,
  then TicketClosed); the duplicate's conversation stays on it, pointing to the other.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError, PortalError
from services.chassis.text import clean_text, excerpt

STATUSES = ("open", "in_progress", "waiting_on_customer", "resolved", "closed")
STAFF_SETS = ("open", "in_progress", "waiting_on_customer", "resolved")
PRIORITIES = ("low", "normal", "high", "urgent")
MAX_SUBJECT = 200
MAX_MESSAGE = 10_000
MAX_CATEGORY = 60
DEFAULT_REOPEN_DAYS = 14


class TicketClosedError(PortalError):
    """The ticket takes no more: closed, or resolved too long ago to reopen."""
    status = 409
    title = "Conflict"


def number_text(seq: int) -> str:
    return f"T-{seq:06d}"


def portal_path(ticket_id: str) -> str:
    return f"/tickets/{ticket_id}"


def clean_subject(value) -> str:
    subject = clean_text(value, field="subject", limit=MAX_SUBJECT,
                         empty="Give the ticket a subject: a few words about what you need.")
    return " ".join(subject.split())


def clean_message(value, field: str = "message") -> str:
    return clean_text(value, field=field, limit=MAX_MESSAGE,
                      empty="Write something first: an empty message is not sent.")


def clean_category(value) -> str | None:
    category = clean_text(value, field="category", limit=MAX_CATEGORY, required=False)
    return " ".join(category.split()) if category else None


def check_priority(value) -> str:
    if value not in PRIORITIES:
        raise DomainError(f"Priority is one of {', '.join(PRIORITIES)}.", field="priority")
    return value


class Ticket(Aggregate):
    aggregate_type = "Ticket"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.customer_id = ""
        self.contact_id: str | None = None
        self.number = ""
        self.subject = ""
        self.status = "open"
        self.priority = "normal"
        self.messages = 0
        self.resolved_at: str | None = None
        self.merged_into: str | None = None
        self.assignee_id: str | None = None

    # --- commands -------------------------------------------------------------------------

    @classmethod
    def raise_ticket(cls, org_id: str, customer_id: str, number: str, subject, description, priority,
                     category, raised_by: str, author_id: str, author_name: str | None,
                     contact_id: str | None, ticket_id: str | None = None) -> "Ticket":
        """TicketRaised, then the description as the conversation's first message."""
        ticket = cls(ticket_id or str(uuid.uuid4()), org_id)
        ticket.record("TicketRaised", {
            "ticket_id": ticket.id, "customer_id": customer_id, "contact_id": contact_id, "number": number,
            "subject": clean_subject(subject), "priority": check_priority(priority or "normal"),
            "category": clean_category(category), "raised_by": raised_by,
            "author_name": _name(author_name), "portal_path": portal_path(ticket.id)})
        ticket.post(raised_by, author_id, author_name, description, field="description")
        return ticket

    def post(self, author_kind: str, author_id: str, author_name: str | None, body, field: str = "message",
             now: datetime | None = None, reopen_days: int = DEFAULT_REOPEN_DAYS) -> dict:
        """A message in the conversation; returns its data. A contact's reply moves a ticket
        waiting on them back to open, and reopens a resolved one within the window."""
        self._ensure_open_for(author_kind, now, reopen_days)
        text = clean_message(body, field)
        if author_kind == "contact" and self.status in ("waiting_on_customer", "resolved"):
            self._move("open", "reopened" if self.status == "resolved" else "customer_replied")
        data = {"message_id": str(uuid.uuid4()), "ticket_id": self.id, "customer_id": self.customer_id,
                "author_kind": author_kind, "author_id": author_id, "body": text, "attachments": 0,
                "seq": self.messages + 1, "author_name": _name(author_name), "number": self.number,
                "subject": self.subject, "excerpt": excerpt(text), "portal_path": portal_path(self.id)}
        self.record("TicketMessagePosted", data)
        return data

    def add_note(self, author_id: str, author_name: str | None, body) -> dict:
        self._ensure_not_closed()
        data = {"note_id": str(uuid.uuid4()), "ticket_id": self.id, "customer_id": self.customer_id,
                "author_id": author_id, "author_name": _name(author_name), "body": clean_message(body, "note")}
        self.record("TicketNoteAdded", data)
        return data

    def set_status(self, status: str, reason: str | None = None) -> None:
        """Staff move the ticket (not to closed: see `close`). The same status again is no change."""
        self._ensure_not_closed()
        if status not in STAFF_SETS:
            raise DomainError(f"Status is one of {', '.join(STAFF_SETS)}; close a ticket with a resolution.",
                              field="status")
        if status != self.status:
            self._move(status, reason)

    def reopen(self, now: datetime | None = None, reopen_days: int = DEFAULT_REOPEN_DAYS) -> None:
        """A contact reopens a resolved ticket within the org's window."""
        if self.status != "resolved":
            raise DomainError("Only a resolved ticket can be reopened.", code="not_resolved")
        self._ensure_open_for("contact", now, reopen_days)
        self._move("open", "reopened")

    def close(self, resolution) -> None:
        self._ensure_not_closed()
        text = clean_text(resolution, field="resolution", limit=2000, required=False)
        self._move("closed", None)
        self.record("TicketClosed", {"ticket_id": self.id, "customer_id": self.customer_id, "resolution": text})

    def assign(self, assignee_id: str | None, assignee_name: str | None) -> bool:
        """False when it already is."""
        self._ensure_not_closed()
        if assignee_id == self.assignee_id:
            return False
        self.record("TicketAssigned", {"ticket_id": self.id, "customer_id": self.customer_id,
                                       "assignee_id": assignee_id, "assignee_name": _name(assignee_name)})
        return True

    def merge_into(self, other: "Ticket") -> None:
        if other.id == self.id:
            raise DomainError("A ticket cannot be merged into itself.", field="into")
        if other.customer_id != self.customer_id:
            raise DomainError("Only tickets of the same customer can be merged.", field="into")
        if other.status == "closed":
            raise DomainError(f"{other.number} is closed; merge into an open ticket.", field="into")
        self._ensure_not_closed()
        self.record("TicketMerged", {"ticket_id": self.id, "customer_id": self.customer_id,
                                     "into_ticket_id": other.id, "into_number": other.number})
        self.close(f"Merged into {other.number}.")

    # --- rules ----------------------------------------------------------------------------

    def _ensure_not_closed(self) -> None:
        if self.status == "closed":
            raise TicketClosedError(f"Ticket {self.number} is closed.", code="closed")

    def _ensure_open_for(self, author_kind: str, now: datetime | None, reopen_days: int) -> None:
        self._ensure_not_closed()
        if author_kind == "contact" and self.status == "resolved" and self.resolved_at:
            resolved = datetime.fromisoformat(self.resolved_at)
            now = now or datetime.now(resolved.tzinfo)
            if now - resolved > timedelta(days=reopen_days):
                raise TicketClosedError(
                    f"Ticket {self.number} was resolved more than {reopen_days} days ago. "
                    "Please raise a new ticket.", code="reopen_window")

    def _move(self, to_status: str, reason: str | None) -> None:
        self.record("TicketStatusChanged", {"ticket_id": self.id, "customer_id": self.customer_id,
                                            "from_status": self.status, "to_status": to_status,
                                            "reason": reason})

    # --- state ----------------------------------------------------------------------------

    def _apply(self, event) -> None:
        super()._apply(event)
        if event.type == "TicketStatusChanged" and event.data["to_status"] == "resolved":
            self.resolved_at = event.occurred_at

    def when_TicketRaised(self, d: dict) -> None:
        self.customer_id, self.contact_id, self.number = d["customer_id"], d["contact_id"], d["number"]
        self.subject, self.priority = d["subject"], d["priority"]

    def when_TicketMessagePosted(self, d: dict) -> None:
        self.messages = d.get("seq") or self.messages + 1

    def when_TicketStatusChanged(self, d: dict) -> None:
        self.status = d["to_status"]

    def when_TicketAssigned(self, d: dict) -> None:
        self.assignee_id = d["assignee_id"]

    def when_TicketMerged(self, d: dict) -> None:
        self.merged_into = d["into_ticket_id"]


def _name(value: str | None) -> str | None:
    return (value or "").strip()[:200] or None
