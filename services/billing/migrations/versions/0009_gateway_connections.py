"""billing: each org's own Stripe and PayPal accounts (connections.py); secrets Fernet-encrypted.

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
        "gateway_connections",
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("gateway", sa.String(20), primary_key=True),
        sa.Column("public", sa.JSON, nullable=False),
        sa.Column("secrets", sa.JSON, nullable=False),
        sa.Column("hints", sa.JSON, nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False),
        sa.Column("last_test_at", sa.String(40)),
        sa.Column("last_test_ok", sa.Boolean),
        sa.Column("last_test_detail", sa.String(500)),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("updated_by", sa.String(200)),
    )


def downgrade() -> None:
    op.drop_table("gateway_connections")
