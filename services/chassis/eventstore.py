"""Event store: append with expected version, load a stream, read all in order.

Projections run in the same transaction as the append, so a read model is never
behind or ahead of the events it is built from. The commit wakes the relay
(NOTIFY on PostgreSQL; the relay watches the file on SQLite).
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator, Sequence

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from contracts.catalogue import contract_for, validate_data
from contracts.errors import ContractError
from services.chassis import metrics
from services.chassis.aggregate import Aggregate
from services.chassis.errors import ConcurrencyConflict, InvalidEvent, NotFound
from services.chassis.events import Event, utc_now
from services.chassis.tables import events, handled_events

NOTIFY_CHANNEL = "portal_events"


class EventStore:
    def __init__(self, engine: Engine, service: str, projections: Sequence = ()):
        self.engine = engine
        self.service = service
        self.projections = list(projections)
        self._postgres = engine.dialect.name == "postgresql"
        self.on_commit: list[Callable[[], None]] = []

    def unit_of_work(self) -> "UnitOfWork":
        return UnitOfWork(self)

    def load_stream(self, stream_id: str, conn=None) -> list[Event]:
        query = select(events).where(events.c.stream_id == stream_id).order_by(events.c.version)
        if conn is not None:
            return [Event.from_row(r) for r in conn.execute(query)]
        with self.engine.connect() as c:
            return [Event.from_row(r) for r in c.execute(query)]

    def read_all(self, after: int = 0, limit: int = 1000, conn=None) -> list[tuple[int, Event]]:
        query = (select(events).where(events.c.position > after)
                 .order_by(events.c.position).limit(limit))
        if conn is not None:
            return [(r.position, Event.from_row(r)) for r in conn.execute(query)]
        with self.engine.connect() as c:
            return [(r.position, Event.from_row(r)) for r in c.execute(query)]

    def iter_all(self, batch: int = 5000, conn=None) -> Iterator[Event]:
        after = 0
        while True:
            rows = self.read_all(after, batch, conn)
            if not rows:
                return
            for position, event in rows:
                yield event
            after = rows[-1][0]

    # -- writing (called by UnitOfWork) -------------------------------------------------
    def _rows(self, batch: Iterable[Event]) -> list[dict]:
        rows = []
        for e in batch:
            try:
                contract = contract_for(e.type)
                data = validate_data(e.type, e.data)
            except ContractError as exc:
                raise InvalidEvent(f"{e.type}: {exc}", errors=getattr(exc, "errors", None)) from exc
            if contract.service != self.service:
                raise InvalidEvent(f"{e.type} belongs to {contract.service}, not {self.service}")
            rows.append({
                "event_id": e.event_id, "stream_id": e.aggregate_id, "stream_type": e.aggregate_type,
                "version": e.aggregate_version, "type": e.type,
                "schema_version": contract.schema_version, "org_id": e.org_id,
                "occurred_at": e.occurred_at, "data": data,
                "meta": {"actor": e.actor, "correlation_id": e.correlation_id,
                         "causation_id": e.causation_id},
            })
        return rows

    def _append(self, conn, batch: list[Event]) -> None:
        if not batch:
            return
        rows = self._rows(batch)
        self._check_expected_versions(conn, batch)
        try:
            conn.execute(insert(events), rows)
        except IntegrityError as exc:
            raise ConcurrencyConflict(
                "The record was changed by someone else; reload and try again.") from exc
        for row, e in zip(rows, batch):
            stored = Event(**{**e.envelope(), "data": row["data"],
                              "schema_version": row["schema_version"]})
            for projection in self.projections:
                projection.apply(conn, stored)
        if self._postgres:
            conn.execute(text("SELECT pg_notify(:c, '')"), {"c": NOTIFY_CHANNEL})

    def _check_expected_versions(self, conn, batch: list[Event]) -> None:
        """Each stream's first new version must follow the stored one exactly.
        (The unique (stream, version) index is the guard under concurrency.)"""
        first: dict[str, int] = {}
        for e in batch:
            first.setdefault(e.aggregate_id, e.aggregate_version)
        stored = dict(conn.execute(
            select(events.c.stream_id, func.max(events.c.version))
            .where(events.c.stream_id.in_(list(first))).group_by(events.c.stream_id)).all())
        for stream_id, version in first.items():
            if stored.get(stream_id, 0) != version - 1:
                raise ConcurrencyConflict(
                    "The record was changed by someone else; reload and try again.",
                    stream_id=stream_id, expected_version=version - 1,
                    actual_version=stored.get(stream_id, 0))


class UnitOfWork:
    """One transaction. Leaving the block without `commit()` rolls back."""

    def __init__(self, store: EventStore):
        self.store = store
        self.conn = None
        self._tx = None
        self._aggregates: list[Aggregate] = []
        self._events: list[Event] = []

    def __enter__(self) -> "UnitOfWork":
        self.conn = self.store.engine.connect()
        self._tx = self.conn.begin()
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            self.conn.close()

    def load(self, cls: type[Aggregate], aggregate_id: str, org_id: str):
        stream = self.store.load_stream(aggregate_id, self.conn)
        agg = cls.from_events(stream)
        if agg is None or agg.org_id != org_id:
            raise NotFound(f"No {cls.aggregate_type.lower()} {aggregate_id}.")
        return agg

    def add(self, aggregate: Aggregate) -> None:
        if aggregate not in self._aggregates:
            self._aggregates.append(aggregate)

    def append(self, events_: Iterable[Event]) -> None:
        """Append ready-made events (used by tools and benchmarks)."""
        self._events.extend(events_)

    def mark_handled(self, event_id: str, topic: str, type_: str) -> bool:
        """Record that an incoming event is handled; False when it already was."""
        ins = (pg_insert if self.store._postgres else sqlite_insert)(handled_events)
        inserted = self.conn.execute(
            ins.values(event_id=event_id, topic=topic, type=type_, handled_at=utc_now())
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(handled_events.c.event_id)).first()
        return inserted is not None

    def commit(self) -> None:
        batch = list(self._events)
        for agg in self._aggregates:
            batch.extend(agg.pending)
        self.store._append(self.conn, batch)
        self._tx.commit()
        for e in batch:
            metrics.EVENTS_APPENDED.labels(self.store.service, e.type).inc()
        for agg in self._aggregates:
            agg.pending.clear()
        self._aggregates.clear()
        self._events.clear()
        for callback in self.store.on_commit:
            callback()
