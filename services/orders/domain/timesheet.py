"""The TimesheetWeek aggregate: a customer's hours of one ISO week (2026-W48), and the
customer's decision on that week's billable hours.

Pure rules, no I/O. One stream per (org, customer, week), its id derived from the three
(`week_id`), so every entry of a week and every decision on it are ordered in one place.

- An entry: hours on a project (and optionally one of its tasks) by a person (a display name)
  on a day, billable or not, with a note. Hours are more than 0, in whole minutes; a person's
  hours on one day may not pass 24 (the handler passes what the person logged that day for
  the org's other customers, see handlers/timesheets.py). Both refusals name `hours`.
- A decision (approve or dispute, with a comment; a dispute needs one) covers the week as it
  is. A decided week cannot be decided again (409) until new entries arrive for it: then it
  is open again and the customer decides anew. So staff always see the decision that
  matches the hours, and a customer cannot flip an answer back and forth.
"""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError, PortalError
from services.chassis.text import clean_text
from services.orders.domain.sales_order import check_date

NAMESPACE = uuid.UUID("7d3f1d52-6c1e-4c83-9a57-2f5b1f0b7a16")
DAY_MINUTES = 24 * 60
MAX_NOTE = 2000
STATES = ("open", "approved", "disputed")


class WeekDecided(PortalError):
    """The week was decided and no new hours arrived since."""
    status = 409
    title = "Conflict"


def week_of(day: str) -> str:
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def week_id(org_id: str, customer_id: str, week: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{org_id}/{customer_id}/{week}"))


def check_week(value) -> str:
    try:
        year, number = str(value).split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
    except (ValueError, TypeError):
        raise DomainError("A week is written like 2026-W48.", field="week") from None
    return week_of(monday.isoformat())


def week_start(week: str) -> str:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1).isoformat()


def to_minutes(hours) -> int:
    """Hours as a decimal ("7.5", 7.5) to whole minutes; not more than 0, or not whole minutes: 422."""
    try:
        value = Decimal(str(hours).strip()) if not isinstance(hours, bool) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise DomainError("Hours are a number, e.g. 7.5.", field="hours")
    if value <= 0:
        raise DomainError("Hours are more than 0.", field="hours")
    minutes = value * 60
    if minutes != minutes.to_integral_value():
        raise DomainError("Hours are whole minutes (0.25 is 15 minutes).", field="hours")
    if minutes > DAY_MINUTES:
        raise DomainError("One entry holds at most 24 hours.", field="hours")
    return int(minutes)


def person_key(name: str) -> str:
    return " ".join(name.split()).casefold()


class TimesheetWeek(Aggregate):
    aggregate_type = "TimesheetWeek"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.customer_id = ""
        self.week = ""
        self.entries: dict[str, dict] = {}
        self.state = "open"
        self.decided_entries = 0

    @classmethod
    def start(cls, org_id: str, customer_id: str, week: str) -> "TimesheetWeek":
        """A week with no entries yet (nothing recorded until the first is logged)."""
        found = cls(week_id(org_id, customer_id, week), org_id)
        found.customer_id, found.week = customer_id, week
        return found

    def log(self, project_id: str, task_id: str | None, person, work_date, hours, billable: bool, note=None,
            external_ref: str | None = None, elsewhere_minutes: int = 0) -> tuple[str, bool]:
        """(entry id, created); an external_ref this week holds already is answered as is."""
        if external_ref:
            for entry in self.entries.values():
                if entry["external_ref"] == external_ref:
                    return entry["entry_id"], False
        day = check_date(work_date, "work_date")
        if week_of(day) != self.week:
            raise DomainError(f"{day} is not in week {self.week}.", field="work_date")
        name = clean_text(person, field="person", limit=200, empty="Give the person's name.")
        minutes = to_minutes(hours)
        logged = elsewhere_minutes + sum(e["minutes"] for e in self.entries.values()
                                         if e["work_date"] == day and person_key(e["person"]) == person_key(name))
        if logged + minutes > DAY_MINUTES:
            raise DomainError(f"{name} would have more than 24 hours on {day} "
                              f"({(logged + minutes) / 60:g} hours).", field="hours")
        entry_id = str(uuid.uuid4())
        self.record("TimesheetLogged", {
            "entry_id": entry_id, "project_id": project_id, "customer_id": self.customer_id, "task_id": task_id,
            "person": name, "work_date": day, "week": self.week, "minutes": minutes, "billable": bool(billable),
            "note": clean_text(note, field="note", limit=MAX_NOTE, required=False), "external_ref": external_ref})
        return entry_id, True

    def decide(self, approve: bool, comment=None, contact_id: str | None = None,
               contact_name: str | None = None) -> None:
        if not self.entries:
            raise WeekDecided(f"Week {self.week} has no hours to decide on.", code="empty")
        if self.state != "open":
            raise WeekDecided(f"Week {self.week} is {self.state} already; it can be decided again once new "
                              f"hours arrive for it.", code=self.state)
        text = clean_text(comment if comment is not None or approve else "", field="comment", limit=MAX_NOTE, required=not approve,
                          empty="Say what is wrong with the hours.")
        self.record("TimesheetWeekApproved" if approve else "TimesheetWeekDisputed", {
            "customer_id": self.customer_id, "week": self.week, "entries": len(self.entries),
            "billable_minutes": sum(e["minutes"] for e in self.entries.values() if e["billable"]),
            "comment": text, "contact_id": contact_id, "contact_name": contact_name})

    # --- state ----------------------------------------------------------------------------

    def when_TimesheetLogged(self, d: dict) -> None:
        self.customer_id, self.week = d["customer_id"], d["week"]
        self.entries[d["entry_id"]] = d
        self.state = "open"

    def when_TimesheetWeekApproved(self, d: dict) -> None:
        self.state, self.decided_entries = "approved", d["entries"]

    def when_TimesheetWeekDisputed(self, d: dict) -> None:
        self.state, self.decided_entries = "disputed", d["entries"]
