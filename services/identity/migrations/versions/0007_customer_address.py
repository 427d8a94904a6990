"""identity: a customer's billing address (lines) and tax id, printed under "Bill to" on its
invoices. Null for the customers made before: they read as no address and no tax id.

Revision ID: 0007
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision = "0007", "0006"


def upgrade() -> None:
    with op.batch_alter_table("customers") as table:
        table.add_column(sa.Column("address", sa.JSON))
        table.add_column(sa.Column("tax_id", sa.String(50)))


def downgrade() -> None:
    with op.batch_alter_table("customers") as table:
        table.drop_column("tax_id")
        table.drop_column("address")
