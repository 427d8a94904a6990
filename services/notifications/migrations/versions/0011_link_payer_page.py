"""notifications: whom a payment-link payer's mails greet and the link's page they point to
(billing's PaymentInitiated `payer_name`, `payer_page`; handlers/link_payers.py).

Revision ID: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("link_payers") as table:
        table.add_column(sa.Column("name", sa.String(200)))
        table.add_column(sa.Column("page", sa.String(300)))


def downgrade() -> None:
    with op.batch_alter_table("link_payers") as table:
        table.drop_column("page")
        table.drop_column("name")
