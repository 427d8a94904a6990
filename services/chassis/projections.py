"""Read models built from a service's own events, in the append's transaction.

A projection names its tables and has a `when_<EventType>(conn, event)` method per
event it cares about. `rebuild` empties the tables and replays every event. A projection
that shares a table with rows its own events did not write (notifications' audit log, fed
by other services' events too) empties only its own rows (`clear`).
"""
from __future__ import annotations

import logging
from typing import Sequence

from sqlalchemy import Table, delete

from services.chassis.events import Event

log = logging.getLogger(__name__)


class Projection:
    tables: Sequence[Table] = ()

    def apply(self, conn, event: Event) -> None:
        handler = getattr(self, f"when_{event.type}", None)
        if handler is not None:
            handler(conn, event)

    def clear(self, conn) -> None:
        """What `rebuild` empties before the replay: every row of the projection's tables."""
        for table in reversed(self.tables):
            conn.execute(delete(table))


def rebuild(store, batch: int = 5000) -> int:
    """Rebuild every read model of `store` from its events in one transaction."""
    count = 0
    with store.engine.begin() as conn:
        for projection in store.projections:
            projection.clear(conn)
        for event in store.iter_all(batch=batch, conn=conn):
            for projection in store.projections:
                projection.apply(conn, event)
            count += 1
    log.info("rebuilt projections", extra={"events": count})
    return count
