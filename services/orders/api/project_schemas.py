"""Request and answer bodies of projects and timesheets (services/orders/API.md). The bounds
here are the body's own (a runaway field is refused before it reaches a rule); the rules
(an end before the start, more than 24 hours a day) are the domain's, which names the field."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.orders.domain.project import STATUSES, TASK_STATUSES

TEXT = 5000
NAME = validate.Length(max=200)
WEEK = validate.Regexp(r"^[0-9]{4}-W[0-9]{2}$", error="A week is written like 2026-W48.")


def _ref(**kwargs):
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200), **kwargs)


class TaskIn(Schema):
    title = fields.String(required=True, validate=NAME)
    status = fields.String(load_default=None, validate=validate.OneOf(TASK_STATUSES))
    starts_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "For the timeline chart."})
    due_on = fields.Date(load_default=None, allow_none=True)
    assignee = fields.String(load_default=None, allow_none=True, validate=NAME,
                             metadata={"description": "A display name, e.g. \"Ada L.\"."})
    external_ref = _ref(metadata={"description": "The ERP's id: adding it again answers the same task."})


class TaskPatch(Schema):
    title = fields.String(validate=NAME)
    status = fields.String(validate=validate.OneOf(TASK_STATUSES))
    starts_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    assignee = fields.String(allow_none=True, validate=NAME)


class MilestoneIn(Schema):
    name = fields.String(required=True, validate=NAME)
    due_on = fields.Date(load_default=None, allow_none=True)
    reached_on = fields.Date(load_default=None, allow_none=True)


class MilestonePatch(Schema):
    name = fields.String(validate=NAME)
    due_on = fields.Date(allow_none=True)
    reached_on = fields.Date(allow_none=True, metadata={"description": "A date reaches it; null un-reaches it."})


class ProjectIn(Schema):
    customer_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=NAME)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    starts_on = fields.Date(load_default=None, allow_none=True)
    ends_on = fields.Date(load_default=None, allow_none=True)
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=TEXT))
    tasks = fields.List(fields.Nested(TaskIn), load_default=list, validate=validate.Length(max=500))
    milestones = fields.List(fields.Nested(MilestoneIn), load_default=list, validate=validate.Length(max=100))
    external_ref = _ref(metadata={"description": "The ERP's id: pushing it again answers the same project."})


class ProjectPatch(Schema):
    name = fields.String(validate=NAME)
    status = fields.String(validate=validate.OneOf(STATUSES))
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    description = fields.String(allow_none=True, validate=validate.Length(max=TEXT))

    @validates_schema
    def something(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one of name, status, starts_on, ends_on, description.", "_schema")


class ProjectListArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf((*STATUSES, "in_progress")))
    cursor = fields.String(load_default=None, validate=validate.Length(max=400))
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class StaffProjectListArgs(ProjectListArgs):
    customer_id = fields.String(load_default=None, validate=validate.Length(max=64))


class MilestoneOut(Schema):
    milestone_id = fields.String()
    name = fields.String()
    due_on = fields.String(allow_none=True)
    reached_on = fields.String(allow_none=True)


class TaskOut(Schema):
    task_id = fields.String()
    title = fields.String()
    status = fields.String()
    starts_on = fields.String(allow_none=True)
    due_on = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    position = fields.Integer()
    external_ref = fields.String(allow_none=True)
    updated_at = fields.String()


class ProjectSummaryOut(Schema):
    project_id = fields.String()
    customer_id = fields.String()
    name = fields.String()
    status = fields.String()
    starts_on = fields.String(allow_none=True)
    ends_on = fields.String(allow_none=True)
    tasks_total = fields.Integer()
    tasks_done = fields.Integer()
    progress = fields.Integer(metadata={"description": "Percent: tasks done, or milestones reached without tasks."})
    milestones = fields.List(fields.Nested(MilestoneOut))
    external_ref = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()


class ProjectOut(ProjectSummaryOut):
    description = fields.String(allow_none=True)
    tasks = fields.List(fields.Nested(TaskOut))


class ProjectPageOut(Schema):
    items = fields.List(fields.Nested(ProjectSummaryOut))
    next_cursor = fields.String(allow_none=True)


# --- timesheets ---------------------------------------------------------------------------

class EntryIn(Schema):
    project_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    task_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    person = fields.String(required=True, validate=NAME, metadata={"description": "A display name."})
    work_date = fields.Date(required=True)
    hours = fields.Raw(required=True, metadata={"description": "A decimal (\"7.5\" or 7.5), more than 0, "
                                                                "whole minutes; at most 24 a person a day."})
    billable = fields.Boolean(load_default=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    external_ref = _ref(metadata={"description": "The ERP's id: logging it again answers the same entry."})


class EntryOut(Schema):
    entry_id = fields.String()
    customer_id = fields.String()
    project_id = fields.String()
    project_name = fields.String()
    task_id = fields.String(allow_none=True)
    task_title = fields.String(allow_none=True)
    person = fields.String()
    work_date = fields.String()
    week = fields.String()
    minutes = fields.Integer()
    billable = fields.Boolean()
    note = fields.String(allow_none=True)
    external_ref = fields.String(allow_none=True)
    logged_at = fields.String()


class EntryListArgs(Schema):
    customer_id = fields.String(load_default=None, validate=validate.Length(max=64))
    project_id = fields.String(load_default=None, validate=validate.Length(max=64))
    week = fields.String(load_default=None, validate=WEEK)


class EntryListOut(Schema):
    items = fields.List(fields.Nested(EntryOut))


class ProjectTotalOut(Schema):
    project_id = fields.String()
    project_name = fields.String()
    billable_minutes = fields.Integer()
    non_billable_minutes = fields.Integer()


class WeekOut(Schema):
    customer_id = fields.String()
    week = fields.String()
    starts_on = fields.String()
    state = fields.String(metadata={"description": "open | approved | disputed (open again when new hours arrive)."})
    minutes = fields.Integer()
    billable_minutes = fields.Integer()
    non_billable_minutes = fields.Integer()
    decision = fields.String(allow_none=True, metadata={"description": "The last decision, kept after new hours."})
    comment = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.String(allow_none=True)
    decided_billable_minutes = fields.Integer(allow_none=True)
    updated_at = fields.String()


class CustomerWeekOut(WeekOut):
    entries = fields.List(fields.Nested(EntryOut))
    projects = fields.List(fields.Nested(ProjectTotalOut))


class TimesheetOut(Schema):
    weeks = fields.List(fields.Nested(CustomerWeekOut))
    projects = fields.List(fields.Nested(ProjectTotalOut))
    billable_minutes = fields.Integer()
    non_billable_minutes = fields.Integer()


class TimesheetArgs(Schema):
    from_week = fields.String(load_default=None, validate=WEEK)
    to_week = fields.String(load_default=None, validate=WEEK)


class WeekListArgs(Schema):
    customer_id = fields.String(load_default=None, validate=validate.Length(max=64))
    state = fields.String(load_default=None, validate=validate.OneOf(("open", "approved", "disputed")))


class WeekListOut(Schema):
    items = fields.List(fields.Nested(WeekOut))


class DecisionIn(Schema):
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
