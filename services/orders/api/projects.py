"""Projects, their tasks and milestones over HTTP.

Staff, API keys (scope "projects") and the operator create and change an org's projects under
/orgs/<org>/projects (creating is idempotent on `external_ref`). Contacts read their
customer's projects under /orgs/<org>/customers/<customer>/projects (module "projects",
permission "view"): another customer's or org's project answers 404 there.
"""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.orders.api.orders import STAFF_KINDS
from services.orders.api.project_schemas import (MilestoneIn, MilestonePatch, ProjectIn, ProjectListArgs, ProjectOut,
                                                 ProjectPageOut, ProjectPatch, StaffProjectListArgs, TaskIn,
                                                 TaskPatch)
from services.orders.domain.commands import (AddMilestone, AddTask, ChangeMilestone, ChangeProject, ChangeTask,
                                             CreateProject)
from services.orders.handlers import projects as handlers
from services.orders.queries import projects as queries

blp = Blueprint("projects", __name__, description="Projects with tasks, milestones and progress")

MANAGE = dict(module="projects")
VIEW = dict(module="projects", permission="view")
DATES = ("starts_on", "ends_on", "due_on", "reached_on")


def iso_dates(body: dict) -> dict:
    """Dates as YYYY-MM-DD text (the domain's form), nested tasks and milestones too."""
    out = {k: (v.isoformat() if k in DATES and v is not None else v) for k, v in body.items()}
    for key in ("tasks", "milestones"):
        if key in out:
            out[key] = [iso_dates(item) for item in out[key]]
    return out


def staff_detail(org_id: str, project_id: str) -> dict:
    with read_only(runtime().engine) as conn:
        return queries.project_detail(conn, org_id, project_id, auth.principal())


@blp.route("/orgs/<org_id>/projects")
class Projects(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(ProjectIn)
    @blp.response(201, ProjectOut)
    @blp.alt_response(200, schema=ProjectOut,
                      description="A project with this external_ref exists already: it is answered unchanged.")
    def post(self, body, org_id):
        """Create a project, with its first tasks and milestones (idempotent on `external_ref`)."""
        project_id, created = handlers.create_project(runtime(), CreateProject(org_id=org_id, **iso_dates(body)))
        detail = staff_detail(org_id, project_id)
        return detail if created else (detail, 200)

    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(StaffProjectListArgs, location="query")
    @blp.response(200, ProjectPageOut)
    def get(self, args, org_id):
        """The org's projects, newest first; keyset pages."""
        with read_only(runtime().engine) as conn:
            return queries.list_projects(conn, org_id, auth.principal(), **args)


@blp.route("/orgs/<org_id>/projects/<project_id>")
class ProjectById(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.response(200, ProjectOut)
    def get(self, org_id, project_id):
        return staff_detail(org_id, project_id)

    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(ProjectPatch)
    @blp.response(200, ProjectOut)
    def patch(self, changes, org_id, project_id):
        """Change the name, status, dates or description."""
        handlers.change_project(runtime(), ChangeProject(org_id, project_id, iso_dates(changes)))
        return staff_detail(org_id, project_id)


@blp.route("/orgs/<org_id>/projects/<project_id>/tasks")
class Tasks(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(TaskIn)
    @blp.response(201, ProjectOut)
    @blp.alt_response(200, schema=ProjectOut, description="A task with this external_ref exists already.")
    def post(self, body, org_id, project_id):
        """Add a task; the project with its tasks is answered."""
        _, created = handlers.add_task(runtime(), AddTask(org_id=org_id, project_id=project_id, **iso_dates(body)))
        detail = staff_detail(org_id, project_id)
        return detail if created else (detail, 200)


@blp.route("/orgs/<org_id>/projects/<project_id>/tasks/<task_id>")
class TaskById(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(TaskPatch)
    @blp.response(200, ProjectOut)
    def patch(self, changes, org_id, project_id, task_id):
        """Change a task's title, status, dates or assignee."""
        handlers.change_task(runtime(), ChangeTask(org_id, project_id, task_id, iso_dates(changes)))
        return staff_detail(org_id, project_id)


@blp.route("/orgs/<org_id>/projects/<project_id>/milestones")
class Milestones(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(MilestoneIn)
    @blp.response(201, ProjectOut)
    def post(self, body, org_id, project_id):
        handlers.add_milestone(runtime(), AddMilestone(org_id=org_id, project_id=project_id, **iso_dates(body)))
        return staff_detail(org_id, project_id)


@blp.route("/orgs/<org_id>/projects/<project_id>/milestones/<milestone_id>")
class MilestoneById(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(MilestonePatch)
    @blp.response(200, ProjectOut)
    def patch(self, changes, org_id, project_id, milestone_id):
        """Rename, move, reach (a date) or un-reach (null) a milestone."""
        handlers.change_milestone(runtime(), ChangeMilestone(org_id, project_id, milestone_id, iso_dates(changes)))
        return staff_detail(org_id, project_id)


@blp.route("/orgs/<org_id>/customers/<customer_id>/projects")
class CustomerProjects(MethodView):
    @auth.requires("contact", "staff", "system", **VIEW)
    @blp.arguments(ProjectListArgs, location="query")
    @blp.response(200, ProjectPageOut)
    def get(self, args, org_id, customer_id):
        """The customer's projects with progress (`status=in_progress`: the active ones)."""
        with read_only(runtime().engine) as conn:
            return queries.list_projects(conn, org_id, auth.principal(), customer_id=customer_id, **args)


@blp.route("/orgs/<org_id>/customers/<customer_id>/projects/<project_id>")
class CustomerProjectById(MethodView):
    @auth.requires("contact", "staff", "system", **VIEW)
    @blp.response(200, ProjectOut)
    def get(self, org_id, customer_id, project_id):
        """The project with its tasks and milestones."""
        with read_only(runtime().engine) as conn:
            return queries.project_detail(conn, org_id, project_id, auth.principal(), customer_id=customer_id)
