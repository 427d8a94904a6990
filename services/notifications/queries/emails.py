"""The mail log: the org's mails, newest first, and one mail."""
from __future__ import annotations

from sqlalchemy import select

from services.chassis.errors import NotFound
from services.notifications.tables import emails


def listing(conn, org_id: str, limit: int = 50, status: str | None = None, offset: int = 0) -> list:
    """Newest first; `status` filters (pending also counts the ones being sent right now)."""
    query = select(emails).where(emails.c.org_id == org_id)
    if status:
        query = query.where(emails.c.status.in_(["pending", "sending"] if status == "pending" else [status]))
    return conn.execute(query.order_by(emails.c.created_at.desc(), emails.c.email_id.desc())
                        .limit(limit).offset(offset)).all()


def one(conn, org_id: str, email_id: str):
    row = conn.execute(select(emails).where(emails.c.org_id == org_id,
                                            emails.c.email_id == email_id)).first()
    if row is None:
        raise NotFound("No such e-mail.")
    return row._mapping
