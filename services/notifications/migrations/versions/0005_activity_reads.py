"""notifications: how far each staff member has read the activity feed.

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
        "activity_reads",
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("staff_id", sa.String(64), primary_key=True),
        sa.Column("last_read_id", sa.Integer, nullable=False),
        sa.Column("read_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("activity_reads")
