"""The projects' read model: each project with its milestones and progress (`projects`), and
its tasks (`project_tasks`), kept in step with ProjectCreated, ProjectUpdated, TaskUpdated and
MilestoneReached in the append's transaction. Progress is the domain's rule (progress_of),
computed again here whenever a task or the milestones move."""
from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text, select, update

from services.chassis.db import upsert_insert
from services.chassis.projections import Projection
from services.orders.domain.project import progress_of
from services.orders.tables import metadata

projects = Table(
    "projects", metadata,
    Column("project_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("starts_on", String(10)),
    Column("ends_on", String(10)),
    Column("description", Text),
    Column("milestones", JSON, nullable=False),
    Column("tasks_total", Integer, nullable=False),
    Column("tasks_done", Integer, nullable=False),
    Column("progress", Integer, nullable=False),
    Column("external_ref", String(200)),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Index("uq_projects_external_ref", "org_id", "external_ref", unique=True),
    Index("ix_projects_customer", "org_id", "customer_id", "created_at", "project_id"),
    Index("ix_projects_org", "org_id", "created_at", "project_id"),
)

project_tasks = Table(
    "project_tasks", metadata,
    Column("task_id", String(64), primary_key=True),
    Column("project_id", String(64), nullable=False),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("starts_on", String(10)),
    Column("due_on", String(10)),
    Column("assignee", String(200)),
    Column("position", Integer, nullable=False),
    Column("external_ref", String(200)),
    Column("updated_at", String(40), nullable=False),
    Index("ix_project_tasks_project", "project_id", "position"),
)


def _content(d: dict) -> dict:
    return {k: d[k] for k in ("name", "status", "starts_on", "ends_on", "description", "milestones")}


class ProjectList(Projection):
    tables = (projects, project_tasks)

    def when_ProjectCreated(self, conn, e):
        d = e.data
        conn.execute(upsert_insert(conn, projects).values(
            project_id=d["project_id"], org_id=e.org_id, customer_id=d["customer_id"], external_ref=d["external_ref"],
            tasks_total=0, tasks_done=0, progress=progress_of([], d["milestones"], d["status"]),
            created_at=e.occurred_at, updated_at=e.occurred_at, **_content(d),
        ).on_conflict_do_nothing(index_elements=["project_id"]))

    def when_ProjectUpdated(self, conn, e):
        conn.execute(update(projects).where(projects.c.project_id == e.data["project_id"]).values(
            **_content(e.data), updated_at=e.occurred_at))
        self._progress(conn, e.data["project_id"])

    def when_TaskUpdated(self, conn, e):
        d = e.data
        values = {k: d[k] for k in ("title", "status", "starts_on", "due_on", "assignee", "position", "external_ref")}
        if d["created"]:
            conn.execute(upsert_insert(conn, project_tasks).values(
                task_id=d["task_id"], project_id=d["project_id"], org_id=e.org_id, customer_id=d["customer_id"],
                updated_at=e.occurred_at, **values).on_conflict_do_nothing(index_elements=["task_id"]))
        else:
            conn.execute(update(project_tasks).where(project_tasks.c.task_id == d["task_id"]).values(
                updated_at=e.occurred_at, **values))
        conn.execute(update(projects).where(projects.c.project_id == d["project_id"]).values(updated_at=e.occurred_at))
        self._progress(conn, d["project_id"])

    def _progress(self, conn, project_id: str) -> None:
        row = conn.execute(select(projects.c.milestones, projects.c.status)
                           .where(projects.c.project_id == project_id)).first()
        tasks = [dict(t._mapping) for t in conn.execute(
            select(project_tasks.c.status).where(project_tasks.c.project_id == project_id))]
        conn.execute(update(projects).where(projects.c.project_id == project_id).values(
            tasks_total=len(tasks), tasks_done=sum(1 for t in tasks if t["status"] == "done"),
            progress=progress_of(tasks, row.milestones, row.status)))
