"""Timesheet entries and the customer's decisions on a week.

Logging an entry appends to the customer's week (TimesheetWeek, one stream per org, customer
and ISO week): the week checks a person's day against 24 hours. A person may work for several
customers of the org, so the hours the person logged that day for the other customers are
read from the entries' read model in the same transaction and passed in. Within a customer's
week two writers are ordered by the stream's version; across customers two entries logged at
the very same moment for the same person and day may both pass (written down, accepted: the
read model shows them and staff can correct them).

Logging is idempotent on `external_ref` (unique per org): a repeat answers the entry it made.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.chassis.errors import DomainError, NotFound, retry_on_conflict
from services.orders.domain.commands import DecideWeek, LogTime
from services.orders.domain.sales_order import check_date
from services.orders.domain.timesheet import TimesheetWeek, check_week, person_key, week_id, week_of
from services.orders.handlers.orders import check_ref
from services.orders.handlers.projects import load_project
from services.orders.projections.timesheets import timesheet_entries


def by_external_ref(conn, org_id: str, external_ref: str | None) -> str | None:
    if external_ref is None:
        return None
    return conn.execute(select(timesheet_entries.c.entry_id).where(
        timesheet_entries.c.org_id == org_id, timesheet_entries.c.external_ref == external_ref)).scalar()


def _load_week(uow, org_id: str, customer_id: str, week: str) -> TimesheetWeek:
    try:
        return uow.load(TimesheetWeek, week_id(org_id, customer_id, week), org_id)
    except NotFound:
        return TimesheetWeek.start(org_id, customer_id, week)


def _elsewhere(conn, org_id: str, customer_id: str, person: str, day: str) -> int:
    """What the person logged on `day` for the org's other customers, in minutes."""
    if not isinstance(person, str):
        return 0
    c = timesheet_entries.c
    return conn.execute(select(func.coalesce(func.sum(c.minutes), 0)).where(
        c.org_id == org_id, c.person_key == person_key(person), c.work_date == day,
        c.customer_id != customer_id)).scalar()


def log_time(rt, cmd: LogTime) -> tuple[str, bool]:
    """(entry id, created)."""
    ref = check_ref(cmd.external_ref)
    day = check_date(cmd.work_date, "work_date")

    def run():
        with rt.store.unit_of_work() as uow:
            existing = by_external_ref(uow.conn, cmd.org_id, ref)
            if existing:
                return existing, False
            project = load_project(uow, cmd.org_id, cmd.project_id)
            if cmd.task_id is not None and cmd.task_id not in project.tasks:
                raise DomainError("The task is not one of this project's.", field="task_id")
            week = _load_week(uow, cmd.org_id, project.customer_id, week_of(day))
            placed = week.log(project.id, cmd.task_id, cmd.person, day, cmd.hours, cmd.billable, cmd.note, ref,
                              _elsewhere(uow.conn, cmd.org_id, project.customer_id, cmd.person, day))
            uow.add(week)
            uow.commit()
            return placed
    try:
        return retry_on_conflict(run)
    except IntegrityError:
        with rt.engine.connect() as conn:
            existing = by_external_ref(conn, cmd.org_id, ref)
        if existing:
            return existing, False
        raise


def decide_week(rt, cmd: DecideWeek) -> None:
    week = check_week(cmd.week)

    def run():
        with rt.store.unit_of_work() as uow:
            found = _load_week(uow, cmd.org_id, cmd.customer_id, week)
            found.decide(cmd.approve, cmd.comment, cmd.contact_id, cmd.contact_name)
            uow.add(found)
            uow.commit()
    retry_on_conflict(run)
