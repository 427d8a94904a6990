"""Reads for the timesheet pages: a customer's weeks (ISO weeks) with their entries, totals per
week and per project, billable and not, and each week's decision; the org's weeks for the
console; the org's entries for the API. Scoped to the caller like every read (auth.scoped)."""
from __future__ import annotations

from sqlalchemy import select

from services.chassis import auth
from services.chassis.errors import NotFound
from services.orders.projections.timesheets import timesheet_entries, timesheet_weeks

ENTRY = [timesheet_entries.c[name] for name in (
    "entry_id", "customer_id", "project_id", "project_name", "task_id", "task_title", "person", "work_date", "week",
    "minutes", "billable", "note", "external_ref", "logged_at")]
WEEK = [timesheet_weeks.c[name] for name in (
    "customer_id", "week", "starts_on", "state", "entries", "minutes", "billable_minutes", "decision", "comment",
    "decided_by", "decided_at", "decided_billable_minutes", "updated_at")]
MAX_WEEKS = 104


def _totals(entries: list[dict]) -> dict:
    billable = sum(e["minutes"] for e in entries if e["billable"])
    return {"billable_minutes": billable, "non_billable_minutes": sum(e["minutes"] for e in entries) - billable}


def _by_project(entries: list[dict]) -> list[dict]:
    projects: dict[str, list[dict]] = {}
    for entry in entries:
        projects.setdefault(entry["project_id"], []).append(entry)
    return [{"project_id": pid, "project_name": rows[0]["project_name"], **_totals(rows)}
            for pid, rows in sorted(projects.items(), key=lambda item: item[1][0]["project_name"])]


def customer_weeks(conn, org_id: str, customer_id: str, caller: auth.Principal, from_week: str | None = None,
                   to_week: str | None = None) -> dict:
    """The customer's weeks, newest first, each with its entries (by day, then person) and
    totals; the range's totals per project. ISO week labels sort as text."""
    weeks_q = auth.scoped(select(*WEEK).where(timesheet_weeks.c.org_id == org_id,
                                              timesheet_weeks.c.customer_id == customer_id), timesheet_weeks, caller)
    entries_q = auth.scoped(select(*ENTRY).where(timesheet_entries.c.org_id == org_id,
                                                 timesheet_entries.c.customer_id == customer_id),
                            timesheet_entries, caller)
    if from_week:
        weeks_q = weeks_q.where(timesheet_weeks.c.week >= from_week)
        entries_q = entries_q.where(timesheet_entries.c.week >= from_week)
    if to_week:
        weeks_q = weeks_q.where(timesheet_weeks.c.week <= to_week)
        entries_q = entries_q.where(timesheet_entries.c.week <= to_week)
    weeks = [dict(r._mapping) for r in conn.execute(weeks_q.order_by(timesheet_weeks.c.week.desc()).limit(MAX_WEEKS))]
    entries = [dict(r._mapping) for r in conn.execute(entries_q.order_by(
        timesheet_entries.c.work_date, timesheet_entries.c.person, timesheet_entries.c.logged_at))]
    for week in weeks:
        mine = [e for e in entries if e["week"] == week["week"]]
        week.update(entries_list=mine, projects=_by_project(mine), **_totals(mine))
        week["entries"] = week.pop("entries_list")
    return {"weeks": weeks, "projects": _by_project(entries), **_totals(entries)}


def org_weeks(conn, org_id: str, caller: auth.Principal, customer_id: str | None = None, state: str | None = None,
              limit: int = 200) -> list[dict]:
    c = timesheet_weeks.c
    query = auth.scoped(select(*WEEK).where(c.org_id == org_id), timesheet_weeks, caller)
    if customer_id:
        query = query.where(c.customer_id == customer_id)
    if state:
        query = query.where(c.state == state)
    rows = [dict(r._mapping) for r in conn.execute(query.order_by(c.week.desc(), c.customer_id).limit(limit))]
    return [{**row, "non_billable_minutes": row["minutes"] - row["billable_minutes"]} for row in rows]


def org_entries(conn, org_id: str, caller: auth.Principal, customer_id: str | None = None,
                project_id: str | None = None, week: str | None = None, limit: int = 500) -> list[dict]:
    c = timesheet_entries.c
    query = auth.scoped(select(*ENTRY).where(c.org_id == org_id), timesheet_entries, caller)
    for column, value in ((c.customer_id, customer_id), (c.project_id, project_id), (c.week, week)):
        if value:
            query = query.where(column == value)
    return [dict(r._mapping) for r in conn.execute(query.order_by(c.work_date.desc(), c.logged_at.desc()).limit(limit))]


def entry(conn, org_id: str, entry_id: str, caller: auth.Principal) -> dict:
    row = conn.execute(auth.scoped(select(*ENTRY).where(timesheet_entries.c.org_id == org_id,
                                                         timesheet_entries.c.entry_id == entry_id),
                                   timesheet_entries, caller)).first()
    if row is None:
        raise NotFound("No such timesheet entry.")
    return dict(row._mapping)
