"""The timesheets' read model: every entry (`timesheet_entries`, with its project's name and
task's title as they were when logged) and each customer's week with its decision
(`timesheet_weeks`), kept in step with TimesheetLogged, TimesheetWeekApproved and
TimesheetWeekDisputed in the append's transaction. A new entry in a decided week sets it
back to open; the last decision stays on the row (`decision`, `comment`) so staff see what
the customer said about the hours before."""
from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text, select, update

from services.chassis.db import upsert_insert
from services.chassis.projections import Projection
from services.orders.domain.timesheet import person_key, week_start
from services.orders.projections.projects import project_tasks, projects
from services.orders.tables import metadata

timesheet_entries = Table(
    "timesheet_entries", metadata,
    Column("entry_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("project_id", String(64), nullable=False),
    Column("project_name", String(200), nullable=False),
    Column("task_id", String(64)),
    Column("task_title", String(200)),
    Column("person", String(200), nullable=False),
    Column("person_key", String(200), nullable=False),
    Column("work_date", String(10), nullable=False),
    Column("week", String(8), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("billable", Boolean, nullable=False),
    Column("note", Text),
    Column("external_ref", String(200)),
    Column("logged_at", String(40), nullable=False),
    Index("uq_timesheet_entries_external_ref", "org_id", "external_ref", unique=True),
    Index("ix_timesheet_entries_customer", "org_id", "customer_id", "week", "work_date"),
    Index("ix_timesheet_entries_person_day", "org_id", "person_key", "work_date"),
)

timesheet_weeks = Table(
    "timesheet_weeks", metadata,
    Column("week_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("week", String(8), nullable=False),
    Column("starts_on", String(10), nullable=False),
    Column("state", String(10), nullable=False),               # open | approved | disputed
    Column("entries", Integer, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("billable_minutes", Integer, nullable=False),
    Column("decision", String(10)),                            # the last one, also after new hours
    Column("comment", Text),
    Column("decided_by", String(200)),
    Column("decided_at", String(40)),
    Column("decided_billable_minutes", Integer),
    Column("updated_at", String(40), nullable=False),
    Index("ix_timesheet_weeks_customer", "org_id", "customer_id", "week"),
    Index("ix_timesheet_weeks_org", "org_id", "week"),
)


class TimesheetList(Projection):
    tables = (timesheet_entries, timesheet_weeks)

    def when_TimesheetLogged(self, conn, e):
        d = e.data
        project = conn.execute(select(projects.c.name).where(projects.c.project_id == d["project_id"])).scalar()
        task = conn.execute(select(project_tasks.c.title).where(project_tasks.c.task_id == d["task_id"])).scalar() \
            if d["task_id"] else None
        conn.execute(upsert_insert(conn, timesheet_entries).values(
            entry_id=d["entry_id"], org_id=e.org_id, customer_id=d["customer_id"], project_id=d["project_id"],
            project_name=project or "", task_id=d["task_id"], task_title=task, person=d["person"],
            person_key=person_key(d["person"]), work_date=d["work_date"], week=d["week"], minutes=d["minutes"],
            billable=d["billable"], note=d["note"], external_ref=d["external_ref"], logged_at=e.occurred_at,
        ).on_conflict_do_nothing(index_elements=["entry_id"]))
        row = conn.execute(select(timesheet_weeks).where(timesheet_weeks.c.week_id == e.aggregate_id)).first()
        billable = d["minutes"] if d["billable"] else 0
        if row is None:
            conn.execute(timesheet_weeks.insert().values(
                week_id=e.aggregate_id, org_id=e.org_id, customer_id=d["customer_id"], week=d["week"],
                starts_on=week_start(d["week"]), state="open", entries=1, minutes=d["minutes"],
                billable_minutes=billable, updated_at=e.occurred_at))
        else:
            conn.execute(update(timesheet_weeks).where(timesheet_weeks.c.week_id == e.aggregate_id).values(
                state="open", entries=row.entries + 1, minutes=row.minutes + d["minutes"],
                billable_minutes=row.billable_minutes + billable, updated_at=e.occurred_at))

    def _decided(self, conn, e, decision: str):
        d = e.data
        conn.execute(update(timesheet_weeks).where(timesheet_weeks.c.week_id == e.aggregate_id).values(
            state=decision, decision=decision, comment=d["comment"], decided_by=d["contact_name"],
            decided_at=e.occurred_at, decided_billable_minutes=d["billable_minutes"], updated_at=e.occurred_at))

    def when_TimesheetWeekApproved(self, conn, e):
        self._decided(conn, e, "approved")

    def when_TimesheetWeekDisputed(self, conn, e):
        self._decided(conn, e, "disputed")
