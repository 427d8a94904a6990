"""identity: chassis tables, organizations and customers.

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
        "organizations",
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(50), nullable=False, unique=True),
        sa.Column("host", sa.String(255), unique=True),
        sa.Column("settings", sa.JSON, nullable=False),
    )
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
    )
    op.create_index("ix_customers_org_id", "customers", ["org_id"])


def downgrade() -> None:
    op.drop_table("customers")
    op.drop_table("organizations")
    op.drop_table("known_orgs")
    drop_chassis_tables(op)
