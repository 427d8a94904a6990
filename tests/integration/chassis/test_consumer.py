"""The consumer runner against the real broker: dedupe, retries, dead letters,
a worker killed mid-batch, SIGTERM."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from sqlalchemy import select

from services.chassis.config import Config
from services.chassis.consumer import ConsumerRunner
from services.chassis.events import Event
from services.chassis.runtime import bootstrap
from tests.helpers import counter_service
from tests.helpers.counter_service import effects
from tests.helpers.broker import free_port
from tests.helpers.kafka import read_topic

TOPIC = "portal.identity.v1"


def org_event(slug: str, event_id: str | None = None) -> Event:
    org_id = str(uuid.uuid4())
    return Event(type="OrganizationCreated", org_id=org_id, aggregate_type="Organization",
                 aggregate_id=org_id, aggregate_version=1,
                 event_id=event_id or str(uuid.uuid4()),
                 data={"org_id": org_id, "name": slug, "slug": slug, "host": f"{slug}.test"})


def produce(bootstrap_servers: str, items) -> None:
    producer = Producer({"bootstrap.servers": bootstrap_servers, "enable.idempotence": True})
    for item in items:
        value = item.to_json() if isinstance(item, Event) else item
        key = item.aggregate_id.encode() if isinstance(item, Event) else b"junk"
        producer.produce(TOPIC, key=key, value=value)
    assert producer.flush(10) == 0


def runtime(make_db_url, broker, kind="sqlite", **overrides):
    url = make_db_url(kind)
    config = Config.from_env("billing", database_url=url, kafka_bootstrap=broker.bootstrap,
                             session_timeout_ms=2000, heartbeat_interval_ms=200,
                             consumer_retry_backoff_ms=20, topic_check_interval_s=0.5, **overrides)
    rt = bootstrap(counter_service.SPEC, config)
    counter_service.create_tables(rt.engine)
    return rt


def effect_rows(rt):
    with rt.engine.connect() as conn:
        return conn.execute(select(effects.c.event_id, effects.c.slug).order_by(effects.c.id)).all()


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def running(request):
    """Run a ConsumerRunner in a thread; stop it at the end of the test."""
    runners = []

    def start(rt):
        stop = threading.Event()
        runner = ConsumerRunner(rt.store, rt.config, rt.spec.subscriptions())
        thread = threading.Thread(target=runner.run, args=(stop,))
        thread.start()
        runners.append((stop, thread))
        return runner
    yield start
    for stop, thread in runners:
        stop.set()
        thread.join(20)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_redelivered_event_has_its_effect_once(make_db_url, own_broker, running, kind):
    rt = runtime(make_db_url, own_broker, kind)
    twice = org_event("twice")
    produce(own_broker.bootstrap, [twice, org_event("once"), twice])
    running(rt)
    assert wait_for(lambda: len(effect_rows(rt)) >= 2)
    time.sleep(1.0)
    assert sorted(slug for _, slug in effect_rows(rt)) == ["once", "twice"]


def test_poison_event_goes_to_the_dlq_and_the_partition_moves_on(make_db_url, own_broker, running):
    rt = runtime(make_db_url, own_broker)
    poison, after = org_event("poison-1"), org_event("after-poison")
    after = Event(**{**after.envelope(), "aggregate_id": poison.aggregate_id})  # same partition
    produce(own_broker.bootstrap, [poison, after])
    running(rt)
    assert wait_for(lambda: [s for _, s in effect_rows(rt)] == ["after-poison"])
    [dead] = read_topic(own_broker.bootstrap, TOPIC + ".dlq", expect=1)
    assert dead["value"]["event_id"] == poison.event_id
    assert dead["headers"]["dlq.attempts"] == b"4"          # the first try + 3 retries
    assert b"this one always fails" in dead["headers"]["dlq.error"]
    assert dead["headers"]["dlq.original.topic"] == TOPIC.encode()


def test_malformed_message_goes_to_the_dlq_at_once(make_db_url, own_broker, running):
    rt = runtime(make_db_url, own_broker)
    good = org_event("good")
    produce(own_broker.bootstrap, [b"{not json", json.dumps({"type": "X"}).encode(), good])
    running(rt)
    assert wait_for(lambda: [s for _, s in effect_rows(rt)] == ["good"])
    dead = read_topic(own_broker.bootstrap, TOPIC + ".dlq", expect=2)
    assert len(dead) == 2
    assert all(d["headers"]["dlq.attempts"] == b"0" for d in dead)


def test_a_failing_handler_is_retried_then_succeeds(make_db_url, own_broker, running):
    rt = runtime(make_db_url, own_broker)
    calls = []

    def flaky(event, uow):
        calls.append(event.event_id)
        if len(calls) < 3:
            raise ConnectionError("database blip")
        counter_service.count(event, uow)
    rt.spec = type(rt.spec)(**{**rt.spec.__dict__,
                               "subscriptions": lambda: {TOPIC: {"OrganizationCreated": flaky}}})
    produce(own_broker.bootstrap, [org_event("flaky")])
    running(rt)
    assert wait_for(lambda: len(effect_rows(rt)) == 1)
    assert len(calls) == 3
    assert read_topic(own_broker.bootstrap, TOPIC + ".dlq", expect=1, timeout=1) == []


def _worker(rt, broker, log, **extra):
    env = {**os.environ, **extra, "DATABASE_URL": rt.config.database_url, "KAFKA_BOOTSTRAP": broker.bootstrap,
           "KAFKA_SESSION_TIMEOUT_MS": "2000", "KAFKA_HEARTBEAT_INTERVAL_MS": "200",
           "COUNTER_DELAY": "0.01", "LOG_FORMAT": "text"}
    return subprocess.Popen([sys.executable, "-m", "tests.helpers.counter_service"], env=env,
                            stdout=log, stderr=subprocess.STDOUT)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_worker_killed_mid_batch_every_effect_exactly_once(make_db_url, own_broker, tmp_path, kind):
    rt = runtime(make_db_url, own_broker, kind)
    # 1000 events at 10 ms each: the kill at >= 60 lands mid-batch even on a loaded machine
    batch = [org_event(f"org-{i}") for i in range(1000)]
    produce(own_broker.bootstrap, batch)
    with open(tmp_path / "worker.log", "ab") as log:
        first = _worker(rt, own_broker, log)
        assert wait_for(lambda: len(effect_rows(rt)) >= 60, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = len(effect_rows(rt))
        assert killed_at < 1000, "the worker finished before it could be killed"
        second = _worker(rt, own_broker, log)
        try:
            assert wait_for(lambda: len(effect_rows(rt)) >= 1000, timeout=120)
            time.sleep(1.5)                       # room for a wrong duplicate to show up
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(30) == 0
    rows = effect_rows(rt)
    assert sorted(e for e, _ in rows) == sorted(e.event_id for e in batch)


def committed_total(bootstrap_servers: str) -> int:
    reader = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": "portal.billing"})
    try:
        parts = reader.committed([TopicPartition(TOPIC, p) for p in range(4)], timeout=10)
        return sum(tp.offset for tp in parts if tp.offset >= 0)
    finally:
        reader.close()


@pytest.mark.slow
def test_sigterm_stops_the_worker_cleanly_and_commits_offsets(make_db_url, own_broker, tmp_path):
    rt = runtime(make_db_url, own_broker)
    produce(own_broker.bootstrap, [org_event(f"a-{i}") for i in range(20)])
    metrics_port = free_port()
    with open(tmp_path / "worker.log", "ab") as log:
        worker = _worker(rt, own_broker, log, METRICS_PORT=str(metrics_port))
        assert wait_for(lambda: len(effect_rows(rt)) == 20)
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as r:
            scraped = r.read().decode()
        assert 'portal_events_consumed_total{outcome="handled",service="billing",topic="portal.identity.v1"} 20.0' in scraped
        assert "portal_consumer_lag" in scraped or "portal_dlq_messages_total" in scraped
        started = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
        assert time.monotonic() - started < 25
    assert committed_total(own_broker.bootstrap) == 20


@pytest.mark.slow
def test_two_members_of_a_group_share_the_work_and_one_leaving_loses_nothing(make_db_url, own_broker):
    """Rebalance mid-batch: each event's effect exactly once across both members."""
    rt = runtime(make_db_url, own_broker, "postgresql")
    batch = [org_event(f"org-{i}") for i in range(300)]
    produce(own_broker.bootstrap, batch)
    stops = [threading.Event(), threading.Event()]
    runners = [ConsumerRunner(rt.store, rt.config, rt.spec.subscriptions()) for _ in stops]
    threads = [threading.Thread(target=r.run, args=(s,)) for r, s in zip(runners, stops)]
    try:
        [t.start() for t in threads]
        assert wait_for(lambda: len(effect_rows(rt)) >= 80, timeout=60)
        stops[0].set()                       # one member leaves in the middle of the work
        threads[0].join(30)
        assert wait_for(lambda: len(effect_rows(rt)) >= 300, timeout=90)
        time.sleep(1.5)
    finally:
        [s.set() for s in stops]
        [t.join(30) for t in threads]
    assert sorted(e for e, _ in effect_rows(rt)) == sorted(e.event_id for e in batch)
