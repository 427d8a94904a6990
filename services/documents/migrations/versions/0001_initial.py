"""documents: chassis tables and the org directory.

Revision ID: 0001
"""
from alembic import op

from services.chassis.migrations_v1 import create_chassis_tables, create_known_orgs, drop_chassis_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_chassis_tables(op)
    create_known_orgs(op)


def downgrade() -> None:
    op.drop_table("known_orgs")
    drop_chassis_tables(op)
