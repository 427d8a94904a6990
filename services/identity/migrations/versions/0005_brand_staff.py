"""identity: an org's logo image beside the event that names it; customers found by name;
staff members' status (invited, active, removed). Staff added before this were all active.

Revision ID: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_logos",
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_customers_org_name", "customers", ["org_id", "name", "customer_id"])
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("status", sa.String(10), nullable=False, server_default="active"))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("status")
    op.drop_index("ix_customers_org_name", table_name="customers")
    op.drop_table("org_logos")
