"""The portal's projects: the customer's projects with their progress, and each project with
its tasks, milestones and a timeline chart (frappe-gantt, vendored under static/vendor and
drawn by static/projects.js from the tasks the page carries as JSON; on a phone the chart
gives way to a list of its bars by date). Everything comes from orders with the
contact's own token; the gateway checks module and permission first."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from gateway.clients.base import quietly
from gateway.web.access import portal
from gateway.web.context import customer_id, org_id, orders
from gateway.web.projects import PROJECT_LABELS, TASK_LABELS

bp = Blueprint("portal_projects", __name__)

FILTERS = {"in_progress": _l("In progress"), **{k: v for k, v in PROJECT_LABELS.items() if k != "active"}}


@bp.get("/projects")
@portal(module="projects", permission="view")
def projects():
    status = request.args.get("status") if request.args.get("status") in FILTERS else None
    page = orders().projects(org_id(), customer_id(), status=status)
    return render_template("portal/projects/projects.html", page=page, status=status, filters=FILTERS,
                           project_labels=PROJECT_LABELS)


@bp.get("/projects/<project_id>")
@portal(module="projects", permission="view")
def project(project_id: str):
    found = orders().project(org_id(), customer_id(), project_id)
    return render_template("portal/projects/project.html", project=found, chart=chart_tasks(found),
                           project_labels=PROJECT_LABELS, task_labels=TASK_LABELS)


def chart_tasks(project: dict) -> list[dict]:
    """The bars of the timeline: every task with a due date, from its start (or, without one,
    its due date) to its due date, and every milestone with a due date as a one-day bar.
    frappe-gantt wants id, name, start, end, progress; `custom_class` colours by status."""
    bars = []
    for task in project["tasks"]:
        if not task.get("due_on"):
            continue
        start = task.get("starts_on") or task["due_on"]
        bars.append({"id": f"t-{task['task_id']}", "name": task["title"], "start": start, "end": task["due_on"],
                     "progress": 100 if task["status"] == "done" else 50 if task["status"] == "in_progress" else 0,
                     "custom_class": f"bar-{task['status']}"})
    for milestone in project.get("milestones") or []:
        if milestone.get("due_on"):
            bars.append({"id": f"m-{milestone['milestone_id']}", "name": f"◆ {milestone['name']}",
                         "start": milestone["due_on"], "end": milestone["due_on"],
                         "progress": 100 if milestone.get("reached_on") else 0, "custom_class": "bar-milestone"})
    return bars


def in_progress(modules: list[str]) -> list[dict] | None:
    """The portal home's projects in progress, where the contact may see projects; None when
    orders cannot answer (the home page still opens) or the module is not theirs."""
    if "projects" not in modules:
        return None
    found = quietly(lambda: orders().projects(org_id(), customer_id(), status="in_progress"))
    return None if found is None else found["items"][:5]
