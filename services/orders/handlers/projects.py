"""Projects, their tasks and milestones: create (idempotent on the ERP's external_ref), change,
add and change tasks and milestones. Each handler loads the project, calls it, and appends
its events in one transaction; a second writer on the same project is refused by the event
store and the command runs again on the fresh state (retry_on_conflict).

Creating an external_ref that exists answers the project it made (created False), also when
two pushes race: the unique index refuses the loser, which then finds the winner's project.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.chassis.errors import NotFound, retry_on_conflict
from services.orders.domain.commands import (AddMilestone, AddTask, ChangeMilestone, ChangeProject, ChangeTask,
                                             CreateProject)
from services.orders.domain.project import Project
from services.orders.handlers.orders import check_ref
from services.orders.projections.projects import projects


def by_external_ref(conn, org_id: str, external_ref: str | None) -> str | None:
    if external_ref is None:
        return None
    return conn.execute(select(projects.c.project_id).where(
        projects.c.org_id == org_id, projects.c.external_ref == external_ref)).scalar()


def load_project(uow, org_id: str, project_id: str) -> Project:
    """The project of this org; any other id (another org's, an order's) is a 404."""
    project = uow.load(Project, project_id, org_id)
    if not project.name:
        raise NotFound(f"No project {project_id}.")
    return project


def create_project(rt, cmd: CreateProject) -> tuple[str, bool]:
    """(project id, created)."""
    ref = check_ref(cmd.external_ref)

    def run():
        with rt.store.unit_of_work() as uow:
            existing = by_external_ref(uow.conn, cmd.org_id, ref)
            if existing:
                return existing, False
            project = Project.create(cmd.org_id, cmd.customer_id, cmd.name, cmd.status, cmd.starts_on, cmd.ends_on,
                                     cmd.description, cmd.milestones, ref)
            for task in cmd.tasks:
                project.add_task(**task)
            uow.add(project)
            uow.commit()
            return project.id, True
    try:
        return run()
    except IntegrityError:
        with rt.engine.connect() as conn:
            existing = by_external_ref(conn, cmd.org_id, ref)
        if existing:
            return existing, False
        raise


def _on_project(rt, org_id: str, project_id: str, act):
    def run():
        with rt.store.unit_of_work() as uow:
            project = load_project(uow, org_id, project_id)
            result = act(project)
            uow.add(project)
            uow.commit()
            return result
    return retry_on_conflict(run)


def change_project(rt, cmd: ChangeProject) -> list[str]:
    return _on_project(rt, cmd.org_id, cmd.project_id, lambda p: p.change(cmd.changes))


def add_task(rt, cmd: AddTask) -> tuple[str, bool]:
    ref = check_ref(cmd.external_ref)
    return _on_project(rt, cmd.org_id, cmd.project_id, lambda p: p.add_task(
        cmd.title, cmd.status, cmd.starts_on, cmd.due_on, cmd.assignee, ref))


def change_task(rt, cmd: ChangeTask) -> list[str]:
    return _on_project(rt, cmd.org_id, cmd.project_id, lambda p: p.change_task(cmd.task_id, cmd.changes))


def add_milestone(rt, cmd: AddMilestone) -> str:
    return _on_project(rt, cmd.org_id, cmd.project_id, lambda p: p.add_milestone(
        cmd.name, cmd.due_on, cmd.reached_on))


def change_milestone(rt, cmd: ChangeMilestone) -> list[str]:
    return _on_project(rt, cmd.org_id, cmd.project_id, lambda p: p.change_milestone(cmd.milestone_id, cmd.changes))
