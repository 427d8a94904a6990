"""identity: room for TOTP seeds sealed under IDENTITY_SECRETS_KEY ("enc:" + a Fernet token,
services/chassis/secretbox.py). Seeds stored before stay readable and are sealed when written again.

Revision ID: 0006
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision = "0006", "0005"


def upgrade() -> None:
    with op.batch_alter_table("credentials") as table:
        table.alter_column("mfa_secret", type_=sa.String(255), existing_type=sa.String(64))
        table.alter_column("mfa_pending_secret", type_=sa.String(255), existing_type=sa.String(64))


def downgrade() -> None:
    with op.batch_alter_table("credentials") as table:
        table.alter_column("mfa_secret", type_=sa.String(64), existing_type=sa.String(255))
        table.alter_column("mfa_pending_secret", type_=sa.String(64), existing_type=sa.String(255))
