"""notifications: whom a payment-link payer's mails greet (billing's PaymentInitiated
`payer_name`; handlers/link_payers.py).

Revision ID: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("link_payers") as table:
        table.add_column(sa.Column("name", sa.String(200)))


def downgrade() -> None:
    with op.batch_alter_table("link_payers") as table:
        table.drop_column("name")
