"""identity: a contact's language may be not chosen (NULL): a new contact has none until the
invitation, the bulk import's row or the contact sets one (pages then follow the browser,
mails the org's default language). Existing rows keep their value.

Revision ID: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.alter_column("language", existing_type=sa.String(10), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE contacts SET language = 'en' WHERE language IS NULL")
    with op.batch_alter_table("contacts") as batch:
        batch.alter_column("language", existing_type=sa.String(10), nullable=False)
