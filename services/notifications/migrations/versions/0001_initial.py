"""notifications: chassis tables, the org directory, the activity feed.

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op

from services.chassis.migrations_v1 import create_chassis_tables, create_known_orgs, drop_chassis_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_chassis_tables(op)
    create_known_orgs(op)
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("aggregate_type", sa.String(64), nullable=False),
        sa.Column("aggregate_id", sa.String(64), nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("occurred_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_activity_org_id_id", "activity", ["org_id", "id"])


def downgrade() -> None:
    op.drop_table("activity")
    op.drop_table("known_orgs")
    drop_chassis_tables(op)
