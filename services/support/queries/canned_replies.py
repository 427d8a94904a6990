"""Reading staff's canned replies (reply snippets), by title."""
from __future__ import annotations

from sqlalchemy import select

from services.support.tables import canned_replies


def listing(conn, org_id: str) -> list[dict]:
    c = canned_replies.c
    return [dict(r._mapping) for r in conn.execute(
        select(c.reply_id, c.title, c.body).where(c.org_id == org_id).order_by(c.title, c.reply_id)).all()]
