"""Payment reminders: each org's schedule, and which step of it an unpaid invoice is due for
today. Pure rules; handlers/reminders.py runs them every few minutes and the Invoice records
each step it sends once (ReminderSent).

A schedule is a few steps counted in days from the due date: -3 three days before, 0 on the
day, 7 a week after. The step sent is the latest whose day has come, if that day is at most
CATCH_UP_DAYS old: a worker that was down for a day still sends it, but a customer is never
sent a pile of late reminders at once, nor one for a day before the invoice was issued.
"""
from __future__ import annotations

from datetime import date, timedelta

from services.chassis.errors import DomainError

STEPS = (-7, -3, -1, 0, 1, 3, 7, 14, 30, 60)
DEFAULT_STEPS = (-3, 0, 7, 14)
CATCH_UP_DAYS = 3


def check_steps(steps) -> list[int]:
    """The steps staff chose, sorted; each one of STEPS, at least one."""
    if not isinstance(steps, (list, tuple)) or not steps:
        raise DomainError("Choose at least one day to send reminders on.", field="days")
    chosen = sorted({s for s in steps if isinstance(s, int) and not isinstance(s, bool)})
    if len(chosen) != len(set(steps)) or any(s not in STEPS for s in chosen):
        raise DomainError(f"Reminders are sent on these days from the due date: {', '.join(map(str, STEPS))}.",
                          field="days")
    return chosen


def step_due(due_date: date, issued_on: date, steps, today: date) -> int | None:
    """The step of `steps` to send today for an invoice due on `due_date`, or None."""
    for step in sorted(steps, reverse=True):
        day = due_date + timedelta(days=step)
        if day <= today:
            return step if (today - day).days <= CATCH_UP_DAYS and day >= issued_on else None
    return None

