"""billing: the customers' names, from identity's CustomerCreated events.

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
        "known_customers",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320)),
    )
    op.create_index("ix_known_customers_org_id", "known_customers", ["org_id"])


def downgrade() -> None:
    op.drop_index("ix_known_customers_org_id", table_name="known_customers")
    op.drop_table("known_customers")
