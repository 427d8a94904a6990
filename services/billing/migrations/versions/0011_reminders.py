"""billing: payment reminders: each org's schedule, customers left out, the steps each invoice was sent.

Revision ID: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_schedules",
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("days", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("updated_by", sa.String(200)),
    )
    op.create_table(
        "reminder_optouts",
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("updated_by", sa.String(200)),
    )
    op.create_table(
        "invoice_reminders",
        sa.Column("invoice_id", sa.String(64), primary_key=True),
        sa.Column("days_from_due", sa.Integer, primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("sent_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    for table in ("invoice_reminders", "reminder_optouts", "reminder_schedules"):
        op.drop_table(table)
