"""What support's API modules share: the caller as a ticket viewer, and the answers built
after a command (read back from the read models, as stored)."""
from __future__ import annotations

from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.support.domain.viewer import Viewer
from services.support.queries import tickets as tq


def viewer() -> Viewer:
    caller = auth.principal()
    return Viewer(kind=caller.kind, id=caller.id, org_id=caller.org_id, customer_id=caller.customer_id,
                  name=caller.name)


def detail(ticket_id: str, who: Viewer | None = None) -> dict:
    rt = runtime()
    with read_only(rt.engine) as conn:
        return tq.detail(conn, rt.store, who or viewer(), ticket_id)


def since(ticket_id: str, who: Viewer, after: int) -> dict:
    with read_only(runtime().engine) as conn:
        return tq.since(conn, who, ticket_id, after)


def posted(ticket_id: str, data: dict) -> dict:
    """The message just written, as stored (with its time)."""
    with read_only(runtime().engine) as conn:
        return tq.messages(conn, viewer(), ticket_id, after=data["seq"] - 1)[0]
