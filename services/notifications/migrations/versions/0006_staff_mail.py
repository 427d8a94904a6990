"""notifications: the org's staff (from identity's events) and each one's choice of activity mail.

Revision ID: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_staff",
        sa.Column("staff_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_index("ix_known_staff_org_id", "known_staff", ["org_id"])
    op.create_table(
        "staff_mail_prefs",
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("staff_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("mode", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staff_mail_prefs")
    op.drop_index("ix_known_staff_org_id", table_name="known_staff")
    op.drop_table("known_staff")
