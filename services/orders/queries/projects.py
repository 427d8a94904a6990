"""Reads for the project pages, straight from the read models: a customer's (or the org's)
projects with their progress, and one project with its tasks and milestones. Every read is
scoped to the caller (auth.scoped): another org's project, or for a contact another
customer's, is a 404."""
from __future__ import annotations

from sqlalchemy import select

from services.chassis import auth, cursors
from services.chassis.errors import NotFound
from services.orders.projections.projects import project_tasks, projects

SUMMARY = [projects.c[name] for name in (
    "project_id", "customer_id", "name", "status", "starts_on", "ends_on", "tasks_total", "tasks_done", "progress",
    "milestones", "external_ref", "created_at", "updated_at")]
TASK = [project_tasks.c[name] for name in (
    "task_id", "title", "status", "starts_on", "due_on", "assignee", "position", "external_ref", "updated_at")]


def list_projects(conn, org_id: str, caller: auth.Principal, customer_id: str | None = None,
                  status: str | None = None, cursor: str | None = None, limit: int = 25) -> dict:
    """Newest first; `status` a status or "in_progress" (active)."""
    c = projects.c
    query = auth.scoped(select(*SUMMARY).where(c.org_id == org_id), projects, caller)
    if customer_id is not None:
        query = query.where(c.customer_id == customer_id)
    if status == "in_progress":
        query = query.where(c.status == "active")
    elif status:
        query = query.where(c.status == status)
    return cursors.page(conn, query, c.created_at, c.project_id, "projects", cursor, limit, dict)


def project_detail(conn, org_id: str, project_id: str, caller: auth.Principal,
                   customer_id: str | None = None) -> dict:
    c = projects.c
    query = auth.scoped(select(projects).where(c.org_id == org_id, c.project_id == project_id), projects, caller)
    if customer_id is not None:
        query = query.where(c.customer_id == customer_id)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound("No such project.")
    detail = dict(row._mapping)
    detail.pop("org_id", None)
    detail["tasks"] = [dict(t._mapping) for t in conn.execute(
        select(*TASK).where(project_tasks.c.project_id == project_id).order_by(project_tasks.c.position))]
    return detail
