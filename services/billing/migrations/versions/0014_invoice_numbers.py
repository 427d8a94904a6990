"""billing: each org's invoice number counter (handlers/numbers.py), seeded with the org's
highest INV-nnnnnn so far, drafts included (the next number is one past it, as before).

Revision ID: 0014
"""
import re
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

OUR_FORM = re.compile(r"^inv-(\d{1,15})$")       # number_key is lower-cased


def upgrade() -> None:
    numbers = op.create_table(
        "invoice_numbers",
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
    )
    conn = op.get_bind()
    highest: dict[str, int] = defaultdict(int)
    for org_id, seq in conn.execute(sa.text(
            "SELECT org_id, MAX(number_seq) FROM invoices WHERE number_seq IS NOT NULL GROUP BY org_id")):
        highest[org_id] = int(seq)
    # numbers staff gave in lower case had no number_seq before 0014 (the form was case-sensitive)
    for org_id, key in conn.execute(sa.text(
            "SELECT org_id, number_key FROM invoices WHERE number_seq IS NULL AND number_key LIKE 'inv-%'")):
        found = OUR_FORM.match(key)
        if found:
            highest[org_id] = max(highest[org_id], int(found.group(1)))
    if highest:
        op.bulk_insert(numbers, [{"org_id": org, "last_seq": seq} for org, seq in sorted(highest.items())])


def downgrade() -> None:
    op.drop_table("invoice_numbers")
