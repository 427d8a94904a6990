"""The Project aggregate: a customer's project with its tasks and milestones, and how far it is.

Pure rules, no I/O.

- A project has a name, a status (planned, active, on_hold, completed, cancelled) and
  optional start and end dates; an end before the start is refused naming `ends_on`.
- Tasks live inside the project (TaskUpdated, `created` on the first): a title, a status
  (todo, in_progress, done), an optional start (for the timeline chart) and due date, the
  assignee's display name. A task's start after its due date is refused naming `due_on`.
  A task may carry the ERP's id (`external_ref`): adding it again answers the same task.
- Milestones are part of the project's content (ProjectUpdated, `changed` ["milestones"]);
  reaching one records MilestoneReached as well, which the ERP may bill on. A milestone is
  reached once; un-reaching it is a change of the milestones (reached_on back to null).
- Progress is the share of tasks done (cancelled tasks do not count); with no tasks, the
  share of milestones reached; with neither, 0 (100 once the project is completed).
"""
from __future__ import annotations

import uuid

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError, NotFound
from services.chassis.text import clean_text
from services.orders.domain.sales_order import check_date

STATUSES = ("planned", "active", "on_hold", "completed", "cancelled")
IN_PROGRESS = ("active",)
TASK_STATUSES = ("todo", "in_progress", "done")
MAX_NAME = 200
MAX_TEXT = 5000
MAX_TASKS = 500
MAX_MILESTONES = 100


def _choice(value, allowed, field: str) -> str:
    if value not in allowed:
        raise DomainError(f"The {field.replace('_', ' ')} is one of {', '.join(allowed)}.", field=field)
    return value


def _name(value, field: str = "name") -> str:
    return clean_text(value, field=field, limit=MAX_NAME, empty=f"Give the {field}.")


def _date(value, field: str) -> str | None:
    return check_date(value, field) if value not in (None, "") else None


def check_span(starts_on: str | None, ends_on: str | None, field: str = "ends_on") -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError("The end date is before the start date.", field=field)


def progress_of(tasks: list[dict], milestones: list[dict], status: str) -> int:
    """Percent done, 0 to 100 (see the module's docstring)."""
    if status == "completed":
        return 100
    if tasks:
        return round(100 * sum(1 for t in tasks if t["status"] == "done") / len(tasks))
    if milestones:
        return round(100 * sum(1 for m in milestones if m["reached_on"]) / len(milestones))
    return 0


class Project(Aggregate):
    aggregate_type = "Project"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.customer_id = ""
        self.name = ""
        self.status = "planned"
        self.starts_on: str | None = None
        self.ends_on: str | None = None
        self.description: str | None = None
        self.milestones: list[dict] = []
        self.external_ref: str | None = None
        self.tasks: dict[str, dict] = {}

    # --- commands -------------------------------------------------------------------------

    @classmethod
    def create(cls, org_id: str, customer_id: str, name, status=None, starts_on=None, ends_on=None,
               description=None, milestones=(), external_ref: str | None = None) -> "Project":
        project = cls(str(uuid.uuid4()), org_id)
        content = {"project_id": project.id, "customer_id": customer_id, "name": _name(name),
                   "status": _choice(status or "planned", STATUSES, "status"),
                   "starts_on": _date(starts_on, "starts_on"), "ends_on": _date(ends_on, "ends_on"),
                   "description": clean_text(description, field="description", limit=MAX_TEXT, required=False),
                   "milestones": [], "external_ref": external_ref}
        check_span(content["starts_on"], content["ends_on"])
        project.record("ProjectCreated", content)
        for milestone in milestones or ():
            project.add_milestone(**milestone)
        return project

    def change(self, changes: dict) -> list[str]:
        """Apply name, status, starts_on, ends_on, description; [] when nothing moved."""
        state = self._content()
        if "name" in changes:
            state["name"] = _name(changes["name"])
        if "status" in changes:
            state["status"] = _choice(changes["status"], STATUSES, "status")
        for key in ("starts_on", "ends_on"):
            if key in changes:
                state[key] = _date(changes[key], key)
        if "description" in changes:
            state["description"] = clean_text(changes["description"], field="description", limit=MAX_TEXT,
                                               required=False)
        check_span(state["starts_on"], state["ends_on"], "ends_on" if "ends_on" in changes else "starts_on")
        return self._update(state)

    def add_task(self, title, status=None, starts_on=None, due_on=None, assignee=None,
                 external_ref: str | None = None) -> tuple[str, bool]:
        """(task id, created): a task with this external_ref already here is answered as is."""
        if external_ref:
            for task in self.tasks.values():
                if task["external_ref"] == external_ref:
                    return task["task_id"], False
        if len(self.tasks) >= MAX_TASKS:
            raise DomainError(f"A project holds at most {MAX_TASKS} tasks.", field="title")
        task = {"task_id": str(uuid.uuid4()), "title": title, "status": status or "todo", "starts_on": starts_on,
                "due_on": due_on, "assignee": assignee, "position": len(self.tasks), "external_ref": external_ref}
        self._record_task(self._checked_task(task), created=True)
        return task["task_id"], True

    def change_task(self, task_id: str, changes: dict) -> list[str]:
        if task_id not in self.tasks:
            raise NotFound(f"No task {task_id} in this project.")
        before = self.tasks[task_id]
        task = self._checked_task({**before, **{k: v for k, v in changes.items() if k in (
            "title", "status", "starts_on", "due_on", "assignee")}})
        moved = [k for k in ("title", "status", "starts_on", "due_on", "assignee") if task[k] != before[k]]
        if moved:
            self._record_task(task, created=False)
        return moved

    def add_milestone(self, name, due_on=None, reached_on=None) -> str:
        if len(self.milestones) >= MAX_MILESTONES:
            raise DomainError(f"A project holds at most {MAX_MILESTONES} milestones.", field="name")
        milestone = {"milestone_id": str(uuid.uuid4()), "name": _name(name), "due_on": _date(due_on, "due_on"),
                     "reached_on": None}
        self._update({**self._content(), "milestones": [*self.milestones, milestone]})
        if reached_on:
            self.change_milestone(milestone["milestone_id"], {"reached_on": reached_on})
        return milestone["milestone_id"]

    def change_milestone(self, milestone_id: str, changes: dict) -> list[str]:
        """name, due_on, reached_on (a date reaches it, null un-reaches it)."""
        found = next((m for m in self.milestones if m["milestone_id"] == milestone_id), None)
        if found is None:
            raise NotFound(f"No milestone {milestone_id} in this project.")
        milestone = dict(found)
        if "name" in changes:
            milestone["name"] = _name(changes["name"])
        for key in ("due_on", "reached_on"):
            if key in changes:
                milestone[key] = _date(changes[key], key)
        moved = [k for k in ("name", "due_on", "reached_on") if milestone[k] != found[k]]
        if not moved:
            return []
        self._update({**self._content(), "milestones": [
            milestone if m["milestone_id"] == milestone_id else m for m in self.milestones]})
        if milestone["reached_on"] and not found["reached_on"]:
            self.record("MilestoneReached", {"milestone_id": milestone_id, "project_id": self.id,
                                             "customer_id": self.customer_id, "name": milestone["name"],
                                             "reached_on": milestone["reached_on"]})
        return moved

    @property
    def progress(self) -> int:
        return progress_of(list(self.tasks.values()), self.milestones, self.status)

    # --- rules ----------------------------------------------------------------------------

    def _checked_task(self, task: dict) -> dict:
        task = {**task, "title": _name(task["title"], "title"),
                "status": _choice(task["status"], TASK_STATUSES, "status"),
                "starts_on": _date(task["starts_on"], "starts_on"), "due_on": _date(task["due_on"], "due_on"),
                "assignee": clean_text(task["assignee"], field="assignee", limit=MAX_NAME, required=False)}
        check_span(task["starts_on"], task["due_on"], "due_on")
        return task

    def _record_task(self, task: dict, created: bool) -> None:
        self.record("TaskUpdated", {**task, "project_id": self.id, "customer_id": self.customer_id,
                                    "created": created})

    def _update(self, state: dict) -> list[str]:
        changed = [k for k in ("name", "status", "starts_on", "ends_on", "description", "milestones")
                   if state[k] != self._content()[k]]
        if changed:
            self.record("ProjectUpdated", {**state, "changed": changed})
        return changed

    def _content(self) -> dict:
        return {"project_id": self.id, "customer_id": self.customer_id, "name": self.name, "status": self.status,
                "starts_on": self.starts_on, "ends_on": self.ends_on, "description": self.description,
                "milestones": self.milestones, "external_ref": self.external_ref}

    # --- state ----------------------------------------------------------------------------

    def when_ProjectCreated(self, d: dict) -> None:
        self.customer_id, self.external_ref = d["customer_id"], d["external_ref"]
        self.when_ProjectUpdated(d)

    def when_ProjectUpdated(self, d: dict) -> None:
        self.name, self.status, self.description = d["name"], d["status"], d["description"]
        self.starts_on, self.ends_on, self.milestones = d["starts_on"], d["ends_on"], list(d["milestones"])

    def when_TaskUpdated(self, d: dict) -> None:
        self.tasks[d["task_id"]] = {k: d[k] for k in ("task_id", "title", "status", "starts_on", "due_on",
                                                      "assignee", "position", "external_ref")}
