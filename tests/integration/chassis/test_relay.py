"""The outbox relay against the real broker, on SQLite and PostgreSQL."""
import threading
import time
from collections import defaultdict
from contextlib import contextmanager

import pytest
from sqlalchemy import false, func, select
from sqlalchemy.exc import OperationalError

from services.chassis.relay import OutboxRelay
from services.chassis.tables import events
from services.identity.bootstrap import SPEC
from services.identity.domain.organization import Organization
from tests.helpers.kafka import read_topic


def make(make_runtime, kind, broker, **extra):
    rt = make_runtime(SPEC, kind, kafka_bootstrap=broker.bootstrap, topic_check_interval_s=0.5,
                      **extra)
    return rt, OutboxRelay(rt.engine, rt.config)


def create_orgs(rt, n, prefix="org", changes=0):
    ids = []
    for i in range(n):
        with rt.store.unit_of_work() as uow:
            org = Organization.create(f"Org {i}", f"{prefix}-{i}")
            for c in range(changes):
                org.change_settings({"mfa_required": c % 2 == 0})
            uow.add(org)
            uow.commit()
        ids.append(org.id)
    return ids


def unpublished(rt):
    with rt.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(events)
                            .where(events.c.published == false())).scalar()


@contextmanager
def running(relay):
    """The relay in its own thread, as a worker runs it, stopped at the end of the block."""
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(20)


def published_within(rt, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while unpublished(rt) and time.monotonic() < deadline:
        time.sleep(0.05)
    return unpublished(rt) == 0


def assert_in_order_once(messages, expected_streams, versions_each):
    by_key = defaultdict(list)
    for m in messages:
        by_key[m["key"]].append(m["value"]["aggregate_version"])
    assert set(by_key) == set(expected_streams)
    for key, versions in by_key.items():
        assert versions == list(range(1, versions_each + 1)), key


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_publishes_committed_events_keyed_and_in_order(make_runtime, broker, kind):
    rt, relay = make(make_runtime, kind, broker)
    topic = "portal.identity.v1"
    ids = create_orgs(rt, 5, prefix=f"pub-{kind}", changes=3)
    relay.drain()
    msgs = [m for m in read_topic(broker.bootstrap, topic, expect=20)
            if m["key"] in ids]
    assert len(msgs) == 20
    assert_in_order_once(msgs, ids, versions_each=4)
    m = msgs[0]
    assert m["headers"]["event_id"].decode() == m["value"]["event_id"]
    assert m["headers"]["type"].decode() == m["value"]["type"]
    assert set(m["value"]) >= {"event_id", "type", "schema_version", "org_id", "aggregate_type",
                               "aggregate_id", "aggregate_version", "occurred_at", "actor",
                               "correlation_id", "causation_id", "data"}
    assert unpublished(rt) == 0
    with rt.engine.connect() as conn:       # where each one went is recorded
        assert conn.execute(select(func.count()).select_from(events)
                            .where(events.c.kafka_offset.is_(None))).scalar() == 0


def test_a_slow_transaction_committed_late_is_not_skipped(make_runtime, broker):
    """Positions are handed out at insert but seen at commit: T1 takes the lower
    position, T2 the higher one and commits first; T1's event must still go out."""
    rt, relay = make(make_runtime, "postgresql", broker)
    hold, inside = threading.Event(), threading.Event()

    class Stall:
        def apply(self, conn, event):
            if event.data.get("slug") == "slow":
                inside.set()
                hold.wait(10)
    rt.store.projections.append(Stall())

    def create_slow():
        with rt.store.unit_of_work() as uow:
            uow.add(Organization.create("Slow", "slow"))
            uow.commit()
    slow = threading.Thread(target=create_slow)
    slow.start()
    assert inside.wait(5)                       # T1 inserted, not committed
    [fast] = create_orgs(rt, 1, prefix="fast")  # T2 commits with a higher position
    relay.step()
    relay.flush(5)
    assert unpublished(rt) == 0                 # T2's event is out; T1's is not visible yet
    hold.set()
    slow.join(5)
    assert unpublished(rt) == 1
    relay.drain()
    with rt.engine.connect() as conn:
        rows = dict(conn.execute(select(events.c.stream_id, events.c.position)).all())
    [slow_id] = [k for k in rows if k != fast]
    assert rows[slow_id] < rows[fast]           # the overlap really happened
    keys = [m["key"] for m in read_topic(broker.bootstrap, "portal.identity.v1", expect=2)]
    assert slow_id in keys and fast in keys


class FlakyEngine:
    """The relay's engine whose first `fail` transactions find the database gone (restarted)."""

    def __init__(self, engine, fail: int):
        self._engine, self.fail, self.failed = engine, fail, 0

    def begin(self):
        if self.failed < self.fail:
            self.failed += 1
            raise OperationalError("UPDATE events", {}, ConnectionError("terminating connection"))
        return self._engine.begin()

    def __getattr__(self, name):
        return getattr(self._engine, name)


def test_a_database_restart_under_the_relay_neither_ends_it_nor_publishes_twice(make_runtime, broker):
    """Issue 14 (make chaos): PostgreSQL restarted while the relay read or recorded; its thread
    ended with the error and the worker's outbox stayed unpublished while the process lived."""
    rt, relay = make(make_runtime, "sqlite", broker)
    real, reads = relay._produce_pending, []

    def flaky_read():
        reads.append(1)
        if len(reads) <= 2:
            raise OperationalError("SELECT events", {}, ConnectionError("terminating connection"))
        return real()
    relay._produce_pending = flaky_read
    relay.engine = FlakyEngine(rt.engine, fail=2)           # the delivered events' marks fail twice
    with running(relay) as thread:
        ids = create_orgs(rt, 3, prefix="restart", changes=1)
        assert published_within(rt, 20) and thread.is_alive()
        assert relay.engine.failed == 2
    msgs = [m for m in read_topic(broker.bootstrap, "portal.identity.v1", expect=6) if m["key"] in ids]
    assert_in_order_once(msgs, ids, versions_each=2)         # delivered once: kept, not re-sent


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_broker_unreachable_then_back_every_event_once_in_order(make_runtime, own_broker, kind):
    rt, relay = make(make_runtime, kind, own_broker)
    with running(relay):
        before = create_orgs(rt, 3, prefix="before", changes=2)
        published_within(rt, 10)
        own_broker.freeze()
        t0 = time.monotonic()
        during = create_orgs(rt, 10, prefix="during", changes=2)   # the web keeps writing
        assert time.monotonic() - t0 < 10
        time.sleep(1.0)
        assert unpublished(rt) == 30
        own_broker.thaw()
        assert published_within(rt, 30)
    msgs = read_topic(own_broker.bootstrap, "portal.identity.v1", expect=39)
    assert len(msgs) == 39
    assert_in_order_once(msgs, before + during, versions_each=3)


@pytest.mark.slow
def test_broker_restarted_empty_gets_everything_republished(make_runtime, own_broker):
    rt, relay = make(make_runtime, "sqlite", own_broker)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    try:
        first = create_orgs(rt, 4, prefix="first", changes=1)
        deadline = time.monotonic() + 10
        while unpublished(rt) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert unpublished(rt) == 0
        own_broker.restart()                    # in-memory broker: all topics gone
        second = create_orgs(rt, 2, prefix="second", changes=1)
        msgs = read_topic(own_broker.bootstrap, "portal.identity.v1", expect=12, timeout=30)
    finally:
        stop.set()
        thread.join(20)
    assert_in_order_once(msgs, first + second, versions_each=2)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_two_worker_replicas_publish_each_event_once_and_the_standby_takes_over(
        make_runtime, own_broker, kind):
    rt, first = make(make_runtime, kind, own_broker)
    second = OutboxRelay(rt.engine, rt.config)
    stops = [threading.Event(), threading.Event()]
    threads = [threading.Thread(target=r.run, args=(s,)) for r, s in zip((first, second), stops)]
    [t.start() for t in threads]
    try:
        before = create_orgs(rt, 20, prefix="two", changes=1)
        deadline = time.monotonic() + 15
        while unpublished(rt) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first.leading != second.leading      # exactly one publishes
        leader = 0 if first.leading else 1
        stops[leader].set()                         # the publishing replica goes away
        threads[leader].join(20)
        after = create_orgs(rt, 5, prefix="after", changes=1)
        deadline = time.monotonic() + 15
        while unpublished(rt) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert unpublished(rt) == 0                 # the standby took over
    finally:
        [s.set() for s in stops]
        [t.join(20) for t in threads]
    msgs = read_topic(own_broker.bootstrap, "portal.identity.v1", expect=50)
    assert len(msgs) == 50                          # no event published twice
    assert_in_order_once(msgs, before + after, versions_each=2)
