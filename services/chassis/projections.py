"""Read models built from a service's own events, in the append's transaction.

A projection names its tables and has a `when_<EventType>(conn, event)` method per
event it cares about. `rebuild` empties the tables and replays every event. A projection
that shares a table with rows its own events did not write (notifications' audit log, fed
by other services' events too) empties only its own rows (`clear`).

Events reach the projections one by one, each to every projection in order (`apply_all`).
A projection may also take a run of events of one type at once, `when_many_<EventType>(conn,
events)` (a batch of 500 InvoiceIssued is then one statement, not 500); that is used only
where it is the one projection handling that type, so no other can see the difference.
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

    def handles(self, type_: str) -> bool:
        """Whether events of this type may change this projection's tables."""
        return (type(self).apply is not Projection.apply or hasattr(self, f"when_{type_}")
                or hasattr(self, f"when_many_{type_}"))


def apply_all(projections: Sequence[Projection], conn, batch: Sequence[Event]) -> None:
    """Every event of `batch` to every projection, in order; a run of one type goes at once
    to the one projection handling it, where that projection takes runs (module docstring)."""
    start = 0
    while start < len(batch):
        type_ = batch[start].type
        end = start + 1
        while end < len(batch) and batch[end].type == type_:
            end += 1
        run = batch[start:end]
        takers = [p for p in projections if not hasattr(p, "handles") or p.handles(type_)]   # any object with apply
        many = getattr(takers[0], f"when_many_{type_}", None) if len(run) > 1 and len(takers) == 1 else None
        if many is not None:
            many(conn, run)
        else:
            for event in run:
                for projection in takers:
                    projection.apply(conn, event)
        start = end


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
