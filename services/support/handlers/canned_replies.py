"""Staff's canned replies (reply snippets): add one, remove one. State, not events."""
from __future__ import annotations

import uuid

from sqlalchemy import delete, insert

from services.chassis.errors import NotFound
from services.chassis.events import utc_now
from services.chassis.text import clean_text
from services.support.domain.commands import AddCannedReply, DeleteCannedReply
from services.support.tables import canned_replies


def add_canned_reply(rt, cmd: AddCannedReply) -> dict:
    """Title and body cleaned as any typed text: one of blanks only is refused (422), not kept empty."""
    reply = {"reply_id": str(uuid.uuid4()),
             "title": clean_text(cmd.title, "title", limit=100, empty="Give the reply a title."),
             "body": clean_text(cmd.body, "body", limit=10_000, empty="Write the reply's text.")}
    with rt.engine.begin() as conn:
        conn.execute(insert(canned_replies).values(org_id=cmd.org_id, created_at=utc_now(), **reply))
    return reply


def delete_canned_reply(rt, cmd: DeleteCannedReply) -> None:
    c = canned_replies.c
    with rt.engine.begin() as conn:
        if conn.execute(delete(canned_replies).where(c.org_id == cmd.org_id,
                                                     c.reply_id == cmd.reply_id)).rowcount == 0:
            raise NotFound("No such canned reply.")
