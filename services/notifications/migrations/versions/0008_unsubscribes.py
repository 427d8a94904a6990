"""notifications: unsubscribes (who stopped which topic of non-essential mail), each org's
signing key of the unsubscribe links, and the one-click address a queued mail carries.

Revision ID: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unsubscribe_keys",
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("secret", sa.String(100), nullable=False),
    )
    op.create_table(
        "unsubscribes",
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("recipient", sa.String(340), primary_key=True),
        sa.Column("topic", sa.String(40), primary_key=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    with op.batch_alter_table("emails") as batch:
        batch.add_column(sa.Column("unsubscribe_url", sa.String(2000)))


def downgrade() -> None:
    with op.batch_alter_table("emails") as batch:
        batch.drop_column("unsubscribe_url")
    op.drop_table("unsubscribes")
    op.drop_table("unsubscribe_keys")
