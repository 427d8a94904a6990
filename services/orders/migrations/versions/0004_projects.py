"""orders: projects with their tasks, and timesheets with each customer's weeks (read models
of their events).

Revision ID: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("project_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("starts_on", sa.String(10)),
        sa.Column("ends_on", sa.String(10)),
        sa.Column("description", sa.Text),
        sa.Column("milestones", sa.JSON, nullable=False),
        sa.Column("tasks_total", sa.Integer, nullable=False),
        sa.Column("tasks_done", sa.Integer, nullable=False),
        sa.Column("progress", sa.Integer, nullable=False),
        sa.Column("external_ref", sa.String(200)),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("uq_projects_external_ref", "projects", ["org_id", "external_ref"], unique=True)
    op.create_index("ix_projects_customer", "projects", ["org_id", "customer_id", "created_at", "project_id"])
    op.create_index("ix_projects_org", "projects", ["org_id", "created_at", "project_id"])
    op.create_table(
        "project_tasks",
        sa.Column("task_id", sa.String(64), primary_key=True),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("starts_on", sa.String(10)),
        sa.Column("due_on", sa.String(10)),
        sa.Column("assignee", sa.String(200)),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("external_ref", sa.String(200)),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_project_tasks_project", "project_tasks", ["project_id", "position"])
    op.create_table(
        "timesheet_entries",
        sa.Column("entry_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("project_name", sa.String(200), nullable=False),
        sa.Column("task_id", sa.String(64)),
        sa.Column("task_title", sa.String(200)),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("person_key", sa.String(200), nullable=False),
        sa.Column("work_date", sa.String(10), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("billable", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("external_ref", sa.String(200)),
        sa.Column("logged_at", sa.String(40), nullable=False),
    )
    op.create_index("uq_timesheet_entries_external_ref", "timesheet_entries", ["org_id", "external_ref"], unique=True)
    op.create_index("ix_timesheet_entries_customer", "timesheet_entries", ["org_id", "customer_id", "week", "work_date"])
    op.create_index("ix_timesheet_entries_person_day", "timesheet_entries", ["org_id", "person_key", "work_date"])
    op.create_table(
        "timesheet_weeks",
        sa.Column("week_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("starts_on", sa.String(10), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("billable_minutes", sa.Integer, nullable=False),
        sa.Column("decision", sa.String(10)),
        sa.Column("comment", sa.Text),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", sa.String(40)),
        sa.Column("decided_billable_minutes", sa.Integer),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_timesheet_weeks_customer", "timesheet_weeks", ["org_id", "customer_id", "week"])
    op.create_index("ix_timesheet_weeks_org", "timesheet_weeks", ["org_id", "week"])


def downgrade() -> None:
    op.drop_table("timesheet_weeks")
    op.drop_table("timesheet_entries")
    op.drop_table("project_tasks")
    op.drop_table("projects")
