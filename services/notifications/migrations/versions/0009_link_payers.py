"""notifications: link payers, the address a payment-link payer who is not signed in gave for
the receipt (billing's PaymentInitiated `payer_email`; services/notifications/handlers/link_payers.py).

Revision ID: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_payers",
        sa.Column("payment_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("link_payers")
