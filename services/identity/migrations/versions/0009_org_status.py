"""identity: an org's status (active, suspended, closed) as the operator set it; every org
made before is active.

Revision ID: 0009
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision = "0009", "0008"


def upgrade() -> None:
    with op.batch_alter_table("organizations") as table:
        table.add_column(sa.Column("status", sa.String(10), nullable=False, server_default="active"))


def downgrade() -> None:
    with op.batch_alter_table("organizations") as table:
        table.drop_column("status")
