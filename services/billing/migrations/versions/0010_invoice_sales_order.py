"""billing: an invoice may name the orders service's sales order it bills (InvoiceIssued carries it).

Revision ID: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("sales_order_id", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("sales_order_id")
