"""billing: a refund gives money back without reopening its invoices unless staff reverse the
payment (domain/payment.py): the part of each allocation's refunds the invoice owes again
(`payment_allocations.reopened_minor`), and the choice kept with each refund asked of a
gateway (`refund_requests.reopens_invoice`), so the worker finishes it as it was asked.

Every refund recorded before this reopened its invoices, so the rows already there say so:
`reopened_minor` starts as the refunds so far, an open request reopens. That is also what
rebuilding the read models from the events gives (a PaymentRefunded without
`reopens_invoice` reopens), so the invoices' amounts stay as they were.

Revision ID: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_allocations") as batch:
        batch.add_column(sa.Column("reopened_minor", sa.BigInteger, nullable=False, server_default="0"))
    op.execute("UPDATE payment_allocations SET reopened_minor = refunded_minor")
    with op.batch_alter_table("refund_requests") as batch:
        batch.add_column(sa.Column("reopens_invoice", sa.Boolean, nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("refund_requests") as batch:
        batch.drop_column("reopens_invoice")
    with op.batch_alter_table("payment_allocations") as batch:
        batch.drop_column("reopened_minor")
