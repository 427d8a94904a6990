"""Event store: append with expected version, load a stream, read all in order.

Projections run in the same transaction as the append, so a read model is never
behind or ahead of the events it is built from. The commit wakes the relay
(NOTIFY on PostgreSQL; the relay watches the file on SQLite).
"""
from __future__ import annotations

import json
from typing import Callable, Iterable, Iterator, Sequence

import psycopg

from sqlalchemy import Engine, insert, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from contracts.catalogue import contract_for
from contracts.fastcheck import check_data
from contracts.errors import ContractError
from services.chassis import metrics
from services.chassis.aggregate import Aggregate
from services.chassis.errors import ConcurrencyConflict, InvalidEvent, NotFound
from services.chassis.events import Event, utc_now
from services.chassis.projections import apply_all
from services.chassis.tables import events, handled_events

NOTIFY_CHANNEL = "portal_events"
COPY_FROM = 20          # batches this large go to PostgreSQL with COPY, not INSERTs
_COLUMNS = ("event_id", "stream_id", "stream_type", "version", "type", "schema_version",
            "org_id", "occurred_at", "data", "meta")


def _copy_rows(conn, rows: list[dict]) -> None:
    """Bulk append on PostgreSQL. A duplicate (stream, version) still raises
    IntegrityError (psycopg's UniqueViolation, wrapped by SQLAlchemy)."""
    cursor = conn.connection.driver_connection.cursor()
    try:
        with cursor.copy(f"COPY events ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c in ("data", "meta") else row[c]
                                for c in _COLUMNS])
    except psycopg.errors.UniqueViolation as exc:
        raise IntegrityError("COPY events", None, exc) from exc
    finally:
        cursor.close()


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
                check_data(e.type, e.data)
            except ContractError as exc:
                raise InvalidEvent(f"{e.type}: {exc}", errors=getattr(exc, "errors", None)) from exc
            if contract.service != self.service:
                raise InvalidEvent(f"{e.type} belongs to {contract.service}, not {self.service}")
            rows.append({
                "event_id": e.event_id, "stream_id": e.aggregate_id, "stream_type": e.aggregate_type,
                "version": e.aggregate_version, "type": e.type,
                "schema_version": contract.schema_version, "org_id": e.org_id,
                "occurred_at": e.occurred_at, "data": e.data,
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
            if self._postgres and len(rows) >= COPY_FROM:
                _copy_rows(conn, rows)
            else:
                conn.execute(insert(events), rows)
        except IntegrityError as exc:
            raise ConcurrencyConflict(
                "The record was changed by someone else; reload and try again.") from exc
        apply_all(self.projections, conn, batch)
        if self._postgres:
            conn.execute(text("SELECT pg_notify(:c, '')"), {"c": NOTIFY_CHANNEL})

    def _check_expected_versions(self, conn, batch: list[Event]) -> None:
        """Appending versions v..w to a stream expects it to stand at v-1. The unique
        (stream, version) index refuses a v that exists (a stale or concurrent writer);
        what is left to check is that v-1 exists, so no gap is ever written. A new
        stream (v = 1) needs no query."""
        first: dict[str, int] = {}
        for e in batch:
            first.setdefault(e.aggregate_id, e.aggregate_version)
        for stream_id, version in first.items():
            if version < 1:
                raise ConcurrencyConflict("Versions start at 1.", stream_id=stream_id)
        expected = [(s, v - 1) for s, v in first.items() if v > 1]
        if not expected:
            return
        found = set(conn.execute(
            select(events.c.stream_id, events.c.version)
            .where(tuple_(events.c.stream_id, events.c.version).in_(expected))).all())
        for stream_id, version in expected:
            if (stream_id, version) not in found:
                raise ConcurrencyConflict(
                    "The record was changed by someone else; reload and try again.",
                    stream_id=stream_id, expected_version=version)


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
