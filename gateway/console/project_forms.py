"""The console's forms for projects, tasks, milestones and hours (Flask-WTF, CSRF on). orders
decides every rule (an end before the start, 24 hours a day); quick, readable checks here."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from gateway.web.forms import REQUIRED
from gateway.web.projects import PROJECT_LABELS, TASK_LABELS


def _day(field) -> str | None:
    return field.data.isoformat() if field.data else None


class ProjectForm(FlaskForm):
    customer_id = SelectField(_l("Customer"), validators=[DataRequired(REQUIRED)])   # one of the org's (offer_customers)
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    status = SelectField(_l("Status"), choices=[SelectChoice(k, v) for k, v in PROJECT_LABELS.items()], default="planned")
    starts_on = DateField(_l("Starts on (optional)"), validators=[Optional()])
    ends_on = DateField(_l("Ends on (optional)"), validators=[Optional()])
    description = TextAreaField(_l("Description (the customer sees it)"), validators=[Optional(), Length(max=5000)])

    def body(self) -> dict:
        return {"customer_id": self.customer_id.data, **self.changes()}

    def changes(self) -> dict:
        return {"name": self.name.data.strip(), "status": self.status.data, "starts_on": _day(self.starts_on),
                "ends_on": _day(self.ends_on), "description": (self.description.data or "").strip() or None}


class ProjectEditForm(ProjectForm):
    customer_id = None

    def body(self) -> dict:
        return self.changes()


class TaskForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(REQUIRED), Length(max=200)])
    status = SelectField(_l("Status"), choices=[SelectChoice(k, v) for k, v in TASK_LABELS.items()], default="todo")
    starts_on = DateField(_l("Starts on (optional, for the timeline)"), validators=[Optional()])
    due_on = DateField(_l("Due on (optional)"), validators=[Optional()])
    assignee = StringField(_l("Assignee (a name the customer sees)"), validators=[Optional(), Length(max=200)])

    def body(self) -> dict:
        return {"title": self.title.data.strip(), "status": self.status.data, "starts_on": _day(self.starts_on),
                "due_on": _day(self.due_on), "assignee": (self.assignee.data or "").strip() or None}


class TaskStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[SelectChoice(k, v) for k, v in TASK_LABELS.items()])


class MilestoneForm(FlaskForm):
    name = StringField(_l("Milestone"), validators=[DataRequired(REQUIRED), Length(max=200)])
    due_on = DateField(_l("Due on (optional)"), validators=[Optional()])

    def body(self) -> dict:
        return {"name": self.name.data.strip(), "due_on": _day(self.due_on)}


class ReachForm(FlaskForm):
    reached_on = DateField(_l("Reached on"), validators=[DataRequired(REQUIRED)])


class HoursForm(FlaskForm):
    person = StringField(_l("Person (a name the customer sees)"), validators=[DataRequired(REQUIRED), Length(max=200)])
    work_date = DateField(_l("Day"), validators=[DataRequired(REQUIRED)])
    hours = StringField(_l("Hours (e.g. 7.5)"), validators=[DataRequired(REQUIRED), Length(max=10)])
    task_id = SelectField(_l("Task (optional)"), validators=[Optional()], validate_choice=False)
    billable = BooleanField(_l("Billable"), default=True)
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])

    def body(self, project_id: str) -> dict:
        return {"project_id": project_id, "person": self.person.data.strip(), "work_date": _day(self.work_date),
                "hours": self.hours.data.strip().replace(",", "."), "task_id": self.task_id.data or None,
                "billable": bool(self.billable.data), "note": (self.note.data or "").strip() or None}
