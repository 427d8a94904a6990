"""The reviews read model: service reviews and ratings of resolved tickets (ReviewSubmitted).
Only staff read it."""
from sqlalchemy import Column, Index, Integer, String, Table, Text, insert

from services.chassis.projections import Projection
from services.support.tables import metadata

reviews = Table(
    "reviews", metadata,
    Column("review_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("contact_id", String(200), nullable=False),
    Column("contact_name", String(200)),
    Column("rating", Integer, nullable=False),
    Column("comment", Text),
    Column("subject_type", String(30)),
    Column("subject_id", String(64)),
    Column("submitted_at", String(40), nullable=False),
    Index("ix_reviews_org", "org_id", "submitted_at", "review_id"),
)


class Reviews(Projection):
    tables = (reviews,)

    def when_ReviewSubmitted(self, conn, e):
        d = e.data
        conn.execute(insert(reviews).values(
            review_id=d["review_id"], org_id=e.org_id, customer_id=d["customer_id"], contact_id=d["contact_id"],
            contact_name=d.get("contact_name"), rating=d["rating"], comment=d["comment"],
            subject_type=d["subject_type"], subject_id=d["subject_id"], submitted_at=e.occurred_at))
