"""Service reviews and ratings of resolved tickets (ReviewSubmitted).

Private: only staff read reviews; a contact's own submission is answered to them once and
never listed to any contact. One review of the service per contact per period (the org's
`review_period_days`, default 30, counted from their last one), and one rating per contact
per ticket, once it is resolved or closed. The "one per" holds under concurrent requests:
`review_marks` is updated by a single conditional upsert (insert, or move the mark only
where the last one is older than the period), in the transaction that appends the event;
a request that moves nothing is refused.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from services.chassis import orgs
from services.chassis.aggregate import Aggregate
from services.chassis.db import upsert_insert
from services.chassis.errors import DomainError, PortalError
from services.chassis.text import clean_text
from services.support.projections import review_marks, reviews
from services.support.ticket_queries import Viewer, visible

DEFAULT_PERIOD_DAYS = 30
MAX_COMMENT = 2000
FOREVER = "9999-12-31T00:00:00+00:00"


class AlreadyReviewed(PortalError):
    status = 409
    title = "Conflict"


class Review(Aggregate):
    aggregate_type = "Review"


@dataclass(frozen=True)
class SubmitReview:
    rating: int
    comment: str | None = None
    ticket_id: str | None = None          # a rating of this ticket's resolution; None: the service


def period_days(conn, org_id: str) -> int:
    value = orgs.settings(conn, org_id).get("review_period_days")
    return int(value) if isinstance(value, int) and value >= 1 else DEFAULT_PERIOD_DAYS


def submit(rt, viewer: Viewer, cmd: SubmitReview, now: datetime | None = None) -> dict:
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


def staff_view(conn, org_id: str, months: int = 12, limit: int = 100) -> dict:
    """The newest reviews, and the average and count per month (UTC) for staff's page."""
    r = reviews.c
    rows = conn.execute(select(reviews).where(r.org_id == org_id)
                        .order_by(r.submitted_at.desc(), r.review_id.desc()).limit(limit)).all()
    month = func.substr(r.submitted_at, 1, 7)
    per_month = conn.execute(select(month.label("month"), func.count().label("count"),
                                    func.avg(r.rating).label("average"))
                             .where(r.org_id == org_id).group_by(month).order_by(month.desc()).limit(months)).all()
    overall = conn.execute(select(func.count(), func.avg(r.rating)).where(r.org_id == org_id)).one()
    return {"items": [dict(x._mapping) for x in rows],
            "months": [{"month": m.month, "count": m.count, "average": round(float(m.average), 2)}
                       for m in per_month],
            "count": overall[0], "average": round(float(overall[1]), 2) if overall[1] is not None else None}
