"""/api/v1/projects (scope "projects") and /api/v1/timesheet-entries (scope "timesheets"): an
ERP or a project tool pushes projects with their tasks and milestones (idempotent on
`external_ref`), changes them, and logs hours (idempotent on `external_ref`); it lists the
org's entries and the customers' weeks with their decisions.

The routes are v1's (its blueprint: the same key check, rate limits and problem+json errors;
gateway/api/__init__.py imports this module); each forwards to orders with the key's token."""
from __future__ import annotations

from urllib.parse import quote

from gateway.api.v1 import bp, forward, org_path
from gateway.web.access import api


def _projects(project_id: str | None = None) -> str:
    path = f"/orgs/{org_path()}/projects"
    return path + f"/{quote(project_id, safe='')}" if project_id is not None else path


@bp.route("/projects", methods=["GET", "POST"])
@api(scope="projects")
def projects():
    """Create a project (with its first tasks and milestones) or list the org's projects."""
    return forward("orders", _projects())


@bp.route("/projects/<project_id>", methods=["GET", "PATCH"])
@api(scope="projects")
def project(project_id: str):
    return forward("orders", _projects(project_id))


@bp.post("/projects/<project_id>/tasks")
@api(scope="projects")
def add_task(project_id: str):
    return forward("orders", _projects(project_id) + "/tasks")


@bp.patch("/projects/<project_id>/tasks/<task_id>")
@api(scope="projects")
def change_task(project_id: str, task_id: str):
    return forward("orders", _projects(project_id) + f"/tasks/{quote(task_id, safe='')}")


@bp.post("/projects/<project_id>/milestones")
@api(scope="projects")
def add_milestone(project_id: str):
    return forward("orders", _projects(project_id) + "/milestones")


@bp.patch("/projects/<project_id>/milestones/<milestone_id>")
@api(scope="projects")
def change_milestone(project_id: str, milestone_id: str):
    return forward("orders", _projects(project_id) + f"/milestones/{quote(milestone_id, safe='')}")


@bp.route("/timesheet-entries", methods=["GET", "POST"])
@api(scope="timesheets")
def timesheet_entries():
    """Log hours (more than 24 a person a day is refused, naming `hours`) or list the entries."""
    return forward("orders", f"/orgs/{org_path()}/timesheet-entries")


@bp.get("/timesheet-weeks")
@api(scope="timesheets")
def timesheet_weeks():
    """Every customer's weeks with their state and the customer's decision and comment."""
    return forward("orders", f"/orgs/{org_path()}/timesheet-weeks")
