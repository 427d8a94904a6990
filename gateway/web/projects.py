"""Projects and timesheets, as the portal and the console share them: the words for each
status, hours written from minutes, a week's label, and the CSV export of timesheet entries."""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

PROJECT_LABELS = {"planned": _l("Planned"), "active": _l("In progress"), "on_hold": _l("On hold"), "completed": _l("Completed"),
                  "cancelled": _l("Cancelled")}
TASK_LABELS = {"todo": _l("To do"), "in_progress": _l("In progress"), "done": _l("Done")}
WEEK_LABELS = {"open": _l("Waiting for you"), "approved": _l("Approved"), "disputed": _l("Disputed")}
STAFF_WEEK_LABELS = {"open": _l("Awaiting the customer"), "approved": _l("Approved"), "disputed": _l("Disputed")}
WEEK = re.compile(r"^[0-9]{4}-W[0-9]{2}$")
CSV_HEADER = ("date", "week", "project", "task", "person", "hours", "billable", "note")


def hours(minutes: int | None) -> str:
    """Minutes as hours with two decimals and a dot: 450 -> "7.50" (also in the CSV)."""
    return str((Decimal(minutes or 0) / 60).quantize(Decimal("0.01")))


def week_arg(value: str | None) -> str | None:
    """An ISO week from the query (2026-W48, or a date inside it); anything else is ignored."""
    value = (value or "").strip()[:10]
    if WEEK.match(value):
        return value
    try:
        year, week, _ = date.fromisoformat(value).isocalendar()
    except ValueError:
        return None
    return f"{year}-W{week:02d}"


def timesheet_csv(weeks: list[dict]) -> str:
    """A header row and one row per entry, oldest day first; dates ISO 8601, hours as decimals
    with a dot, yes/no for billable. The csv module quotes what needs quoting (a name with a
    comma, a note with a line break)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    entries = sorted((e for w in weeks for e in w["entries"]),
                     key=lambda e: (e["work_date"], e["person"], e["logged_at"]))
    for e in entries:
        writer.writerow((e["work_date"], e["week"], e["project_name"], e["task_title"] or "", e["person"],
                         hours(e["minutes"]), "yes" if e["billable"] else "no", e["note"] or ""))
    return out.getvalue()
