"""support: tickets, their messages and notes, reviews, read marks, canned replies, customers' names.

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("ticket_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(200)),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("number_seq", sa.Integer, nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("category", sa.String(60)),
        sa.Column("priority", sa.String(20), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("raised_by", sa.String(20), nullable=False),
        sa.Column("raised_by_name", sa.String(200)),
        sa.Column("assignee_id", sa.String(200)),
        sa.Column("assignee_name", sa.String(200)),
        sa.Column("raised_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.Column("last_contact_seq", sa.Integer, nullable=False),
        sa.Column("last_staff_seq", sa.Integer, nullable=False),
        sa.Column("resolved_at", sa.String(40)),
        sa.Column("closed_at", sa.String(40)),
        sa.Column("resolution", sa.Text),
        sa.Column("merged_into", sa.String(64)),
        sa.Column("merged_into_number", sa.String(40)),
        sa.UniqueConstraint("org_id", "number_seq", name="uq_tickets_number"),
    )
    op.create_index("ix_tickets_customer", "tickets", ["org_id", "customer_id", "updated_at", "ticket_id"])
    op.create_index("ix_tickets_org", "tickets", ["org_id", "updated_at", "ticket_id"])
    op.create_table(
        "ticket_messages",
        sa.Column("message_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("author_kind", sa.String(20), nullable=False),
        sa.Column("author_id", sa.String(200), nullable=False),
        sa.Column("author_name", sa.String(200)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("posted_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("ticket_id", "seq", name="uq_ticket_messages_seq"),
    )
    op.create_table(
        "ticket_notes",
        sa.Column("note_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("author_id", sa.String(200), nullable=False),
        sa.Column("author_name", sa.String(200)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("added_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_ticket_notes_ticket", "ticket_notes", ["ticket_id", "added_at"])
    op.create_table(
        "reviews",
        sa.Column("review_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(200), nullable=False),
        sa.Column("contact_name", sa.String(200)),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("subject_type", sa.String(30)),
        sa.Column("subject_id", sa.String(64)),
        sa.Column("submitted_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_reviews_org", "reviews", ["org_id", "submitted_at", "review_id"])
    op.create_table(
        "ticket_reads",
        sa.Column("ticket_id", sa.String(64), primary_key=True),
        sa.Column("reader", sa.String(220), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "review_marks",
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("contact_id", sa.String(200), primary_key=True),
        sa.Column("subject", sa.String(80), primary_key=True),
        sa.Column("submitted_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "canned_replies",
        sa.Column("reply_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_canned_replies_org", "canned_replies", ["org_id", "title"])
    op.create_table(
        "known_customers",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320)),
    )
    op.create_index("ix_known_customers_org_id", "known_customers", ["org_id"])


def downgrade() -> None:
    for table in ("known_customers", "canned_replies", "review_marks", "ticket_reads", "reviews", "ticket_notes",
                  "ticket_messages", "tickets"):
        op.drop_table(table)
