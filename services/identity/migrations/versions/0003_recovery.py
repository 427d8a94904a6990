"""identity: password resets by e-mail and pending self sign-ups (private tables).

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_resets",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("used_at", sa.Float),
        sa.Column("voided", sa.Boolean, nullable=False),
        sa.Column("ip", sa.String(64)),
    )
    op.create_index("ix_password_resets_user", "password_resets", ["user_id", "used_at"])
    op.create_table(
        "signups",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("company", sa.String(200)),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("used_at", sa.Float),
        sa.Column("voided", sa.Boolean, nullable=False),
        sa.Column("ip", sa.String(64)),
    )
    op.create_index("ix_signups_email", "signups", ["org_id", "email"])


def downgrade() -> None:
    op.drop_table("signups")
    op.drop_table("password_resets")
