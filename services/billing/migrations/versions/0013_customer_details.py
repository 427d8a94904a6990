"""billing: the customers' billing address lines and tax id, from identity's CustomerCreated
and CustomerUpdated, printed under "Bill to" on billing's PDFs (projections/customers.py).

Revision ID: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_details",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("address", sa.JSON, nullable=False),
        sa.Column("tax_id", sa.String(50)),
    )
    op.create_index("ix_customer_details_org_id", "customer_details", ["org_id"])


def downgrade() -> None:
    op.drop_index("ix_customer_details_org_id", table_name="customer_details")
    op.drop_table("customer_details")
