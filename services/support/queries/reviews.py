"""Reading reviews: staff's page (contacts never read reviews), and when a contact may
review the service again (the portal offers the form only then)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from services.support.projections.reviews import reviews
from services.support.tables import review_marks


def my_turn(conn, org_id: str, contact_id: str, period_days: int) -> dict:
    """{reviewed_at, next_review_at}: the contact's last review of the service and when the
    next one is taken (None and None: never reviewed, the form is open)."""
    m = review_marks.c
    last = conn.execute(select(m.submitted_at).where(m.org_id == org_id, m.contact_id == contact_id,
                                                     m.subject == "service")).scalar()
    if last is None:
        return {"reviewed_at": None, "next_review_at": None}
    return {"reviewed_at": last,
            "next_review_at": (datetime.fromisoformat(last) + timedelta(days=period_days)).isoformat()}


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
