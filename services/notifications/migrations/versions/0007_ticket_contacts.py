"""notifications: who each ticket's replies are mailed to (support's TicketRaised).

Revision ID: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_contacts",
        sa.Column("ticket_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ticket_contacts")
