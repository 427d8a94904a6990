"""Service reviews and ratings of resolved tickets (ReviewSubmitted; the rules:
domain/review.py).

The "one per" holds under concurrent requests: `review_marks` is updated by a single
conditional upsert (insert, or move the mark only where the last one is older than the
period), in the transaction that appends the event; a request that moves nothing is refused.
`now` is for tests that step past the period; None: the clock.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from services.chassis import orgs
from services.chassis.db import upsert_insert
from services.chassis.errors import DomainError
from services.chassis.text import clean_text
from services.support.domain.commands import SubmitReview
from services.support.domain.review import DEFAULT_PERIOD_DAYS, MAX_COMMENT, AlreadyReviewed, Review
from services.support.domain.viewer import Viewer
from services.support.queries.tickets import visible
from services.support.tables import review_marks


def period_days(conn, org_id: str) -> int:
    value = orgs.settings(conn, org_id).get("review_period_days")
    return int(value) if isinstance(value, int) and value >= 1 else DEFAULT_PERIOD_DAYS


def submit_review(rt, cmd: SubmitReview, now: datetime | None = None) -> dict:
    viewer = cmd.viewer
    if not isinstance(cmd.rating, int) or isinstance(cmd.rating, bool) or not 1 <= cmd.rating <= 5:
        raise DomainError("Give a rating from 1 to 5 stars.", field="rating")
    comment = clean_text(cmd.comment, field="comment", limit=MAX_COMMENT, required=False)
    now = now or datetime.now(timezone.utc)
    with rt.store.unit_of_work() as uow:
        if cmd.ticket_id:
            ticket = visible(uow.conn, viewer, cmd.ticket_id)
            if ticket["status"] not in ("resolved", "closed"):
                raise DomainError("A ticket can be rated once it is resolved.", code="not_resolved")
            subject, until = f"ticket:{cmd.ticket_id}", None
        else:
            days = period_days(uow.conn, viewer.org_id)
            subject, until = "service", (now - timedelta(days=days)).isoformat()
        if not _take_mark(uow.conn, viewer, subject, now.isoformat(), until):
            raise AlreadyReviewed(
                "You have rated this ticket already." if cmd.ticket_id else
                "Thank you, you have reviewed our service recently. You can review it again later.",
                code="already_reviewed")
        review = Review(str(uuid.uuid4()), viewer.org_id)
        data = {"review_id": review.id, "customer_id": viewer.customer_id, "contact_id": viewer.id,
                "rating": cmd.rating, "comment": comment, "subject_type": "ticket" if cmd.ticket_id else None,
                "subject_id": cmd.ticket_id, "contact_name": (viewer.name or "").strip()[:200] or None}
        review.record("ReviewSubmitted", data)
        uow.add(review)
        uow.commit()
        return data


def _take_mark(conn, viewer: Viewer, subject: str, at: str, older_than: str | None) -> bool:
    """Insert the contact's mark, or move it where the last one is older than `older_than`
    (None: never). True when this request took it."""
    m = review_marks.c
    ins = upsert_insert(conn, review_marks).values(org_id=viewer.org_id, contact_id=viewer.id,
                                                   subject=subject, submitted_at=at)
    done = conn.execute(ins.on_conflict_do_update(
        index_elements=["org_id", "contact_id", "subject"], set_={"submitted_at": at},
        where=m.submitted_at < (older_than or "0000")).returning(m.submitted_at)).first()
    return done is not None
