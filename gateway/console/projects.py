"""The console's projects and timesheets: every project of the org (by customer), a new
project, each project's page where staff change it, add and move tasks, add and reach
milestones and log hours; and the timesheet weeks of every customer with the customer's
decision (approved or disputed, with the comment) as soon as it is made.

orders decides every rule with the staff member's own token; its refusals (409, 422) come
back as a flash message on the project's page (post/redirect/get), or on the fields of a new
project."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.console.forms import form_errors
from gateway.console.invoices import _customers, _sentence, offer_customers
from gateway.console.orders import send_form
from gateway.console.project_forms import (HoursForm, MilestoneForm, ProjectEditForm, ProjectForm, ReachForm,
                                           TaskForm, TaskStatusForm)
from gateway.web.access import console
from gateway.web.context import org_id, orders
from gateway.web.projects import PROJECT_LABELS, STAFF_WEEK_LABELS, TASK_LABELS, hours

bp = Blueprint("console_projects", __name__, url_prefix="/console")
# the customer's decision on a timesheet week (orders' states)
DECISION_LABELS = {"approved": _l("Approved"), "disputed": _l("Disputed")}


def _act(project_id: str, form, action, done: str):
    """Send one of the project page's forms (console/orders.py's send_form), back to the project."""
    send_form(form, action, done)
    return redirect(url_for("console_projects.project", project_id=project_id))


@bp.get("/projects")
@console()
def projects():
    chosen = (request.args.get("customer_id") or "").strip()[:64] or None
    cursor = (request.args.get("cursor") or "")[:400] or None
    page = orders().staff_projects(org_id(), chosen, cursor)
    customers = _customers({p["customer_id"] for p in page["items"]})
    return render_template("console/projects/projects.html", page=page, customers=customers, chosen=chosen,
                           project_labels=PROJECT_LABELS)


@bp.route("/projects/new", methods=["GET", "POST"])
@console()
def new_project():
    form = ProjectForm()
    chosen = (request.values.get("customer_id") or "").strip()[:64]
    offer_customers(form, chosen)
    messages: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            made = orders().create_project(org_id(), form.body())
        except ServiceProblem as problem:
            if problem.status not in (400, 409, 422):
                raise
            messages, status = [_sentence(problem)], problem.status
        else:
            flash(_("Project %(name)s created: the customer can follow it now.", name=made["name"]), "success")
            return redirect(url_for("console_projects.project", project_id=made["project_id"]))
    elif request.method == "POST":
        messages, status = [form_errors(form) or _("Please check what you entered.")], 400
    elif chosen:
        form.customer_id.data = chosen
    return render_template("console/projects/project_new.html", form=form, messages=messages), status


@bp.get("/projects/<project_id>")
@console()
def project(project_id: str):
    found = orders().staff_project(org_id(), project_id)
    customer = _customers({found["customer_id"]}).get(found["customer_id"])
    edit = ProjectEditForm(formdata=None, data={**found, "starts_on": _date(found["starts_on"]),
                                                "ends_on": _date(found["ends_on"])})
    hours_form = HoursForm(formdata=None)
    hours_form.task_id.choices = [("", _("No task")), *((t["task_id"], t["title"]) for t in found["tasks"])]
    task_forms = {t["task_id"]: TaskStatusForm(prefix=f"t-{t['task_id']}", formdata=None, data={"status": t["status"]})
                  for t in found["tasks"]}
    return render_template("console/projects/project.html", project=found, customer=customer, edit_form=edit,
                           task_form=TaskForm(formdata=None), task_forms=task_forms,
                           milestone_form=MilestoneForm(formdata=None), reach_form=ReachForm(formdata=None),
                           hours_form=hours_form, project_labels=PROJECT_LABELS, task_labels=TASK_LABELS)


def _date(value: str | None):
    return date.fromisoformat(value) if value else None


@bp.post("/projects/<project_id>")
@console()
def change_project(project_id: str):
    return _act(project_id, ProjectEditForm(), lambda f: orders().change_project(org_id(), project_id, f.body()),
                _("Project saved."))


@bp.post("/projects/<project_id>/tasks")
@console()
def add_task(project_id: str):
    return _act(project_id, TaskForm(), lambda f: orders().add_task(org_id(), project_id, f.body()), _("Task added."))


@bp.post("/projects/<project_id>/tasks/<task_id>")
@console()
def task_status(project_id: str, task_id: str):
    return _act(project_id, TaskStatusForm(prefix=f"t-{task_id}"),
                lambda f: orders().change_task(org_id(), project_id, task_id, {"status": f.status.data}),
                _("Task updated."))


@bp.post("/projects/<project_id>/milestones")
@console()
def add_milestone(project_id: str):
    return _act(project_id, MilestoneForm(), lambda f: orders().add_milestone(org_id(), project_id, f.body()),
                _("Milestone added."))


@bp.post("/projects/<project_id>/milestones/<milestone_id>/reached")
@console()
def reach_milestone(project_id: str, milestone_id: str):
    return _act(project_id, ReachForm(), lambda f: orders().change_milestone(
        org_id(), project_id, milestone_id, {"reached_on": f.reached_on.data.isoformat()}), _("Milestone reached."))


@bp.post("/projects/<project_id>/hours")
@console()
def log_hours(project_id: str):
    form = HoursForm()
    form.task_id.choices = []
    return _act(project_id, form, lambda f: orders().log_time(org_id(), f.body(project_id)), _("Hours logged."))


@bp.get("/timesheets")
@console()
def timesheets():
    chosen = (request.args.get("customer_id") or "").strip()[:64] or None
    weeks = orders().timesheet_weeks(org_id(), chosen)["items"]
    customers = _customers({w["customer_id"] for w in weeks})
    return render_template("console/projects/timesheets.html", weeks=weeks, customers=customers, chosen=chosen,
                           week_labels=STAFF_WEEK_LABELS, hours=hours, decisions=DECISION_LABELS)
