"""Transient failures against poison ones, and dead letters re-driven, against the real
broker: a database blip longer than every retry is waited out and never dead-lettered;
a poison event, parked in the dead-letter topic, is re-driven once its handler is fixed,
with its effect once; a replay never repeats an earlier one; what still fails goes back."""
from __future__ import annotations

import threading

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import insert
from sqlalchemy.exc import OperationalError

from services.chassis import dlq
from services.chassis.consumer import ConsumerRunner
from services.chassis.errors import Transient, is_transient
from tests.helpers import counter_service
from tests.helpers.counter_service import effects
from tests.helpers.kafka import read_topic
from tests.integration.chassis.test_consumer import (TOPIC, effect_rows, org_event, produce, running,  # noqa: F401
                                                     runtime, wait_for)


def with_handler(rt, handler):
    rt.spec = type(rt.spec)(**{**rt.spec.__dict__,
                               "subscriptions": lambda: {TOPIC: {"OrganizationCreated": handler}}})
    return rt


def test_errors_are_sorted_into_transient_and_poison():
    blip = OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
    assert is_transient(blip) and is_transient(Transient("peer restarting"))
    assert is_transient(TimeoutError()) and is_transient(ConnectionResetError())
    try:
        try:
            raise ConnectionRefusedError("down")
        except ConnectionRefusedError as exc:
            raise RuntimeError("wrapped by a library") from exc
    except RuntimeError as wrapped:
        assert is_transient(wrapped)
    assert not is_transient(ValueError("bad data")) and not is_transient(KeyError("slug"))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_database_blip_longer_than_every_retry_is_waited_out_not_dead_lettered(
        make_db_url, own_broker, running, kind):  # noqa: F811
    rt = runtime(make_db_url, own_broker, kind, consumer_transient_backoff_max_ms=100)
    calls = []

    def blip(event, uow):
        calls.append(event.event_id)
        if len(calls) <= 3 * (rt.config.consumer_max_retries + 1):     # far past the poison budget
            raise OperationalError("INSERT", {}, ConnectionRefusedError("the database fails over"))
        counter_service.count(event, uow)
    with_handler(rt, blip)
    produce(own_broker.bootstrap, [org_event("survives-the-blip")])
    running(rt)
    assert wait_for(lambda: len(effect_rows(rt)) == 1)
    assert [slug for _, slug in effect_rows(rt)] == ["survives-the-blip"]
    assert len(calls) == 3 * (rt.config.consumer_max_retries + 1) + 1
    assert read_topic(own_broker.bootstrap, TOPIC + ".dlq", expect=1, timeout=1) == []


def test_dead_letters_are_replayed_once_their_handler_is_fixed(make_db_url, own_broker, running):  # noqa: F811
    rt = runtime(make_db_url, own_broker)
    first, second = org_event("poison-fixed-later"), org_event("poison-for-good")
    produce(own_broker.bootstrap, [first, second, org_event("fine")])
    stop = threading.Event()
    runner = ConsumerRunner(rt.store, rt.config, rt.spec.subscriptions())
    thread = threading.Thread(target=runner.run, args=(stop,))
    thread.start()
    try:
        assert wait_for(lambda: [s for _, s in effect_rows(rt)] == ["fine"])
        read_topic(own_broker.bootstrap, TOPIC + ".dlq", expect=2)
    finally:
        stop.set()
        thread.join(20)
    assert dlq.depth(rt.config, [TOPIC]) == {TOPIC: 2}
    gauge = dlq.DepthGauge(rt.config, [TOPIC])          # what a worker's /metrics shows
    gauge.report()
    gauge.close()
    assert REGISTRY.get_sample_value("portal_dlq_depth", {"service": "billing", "topic": TOPIC}) == 2

    def fixed(event, uow):                      # the bug behind "poison-fixed-later" is fixed
        if event.data["slug"] == "poison-for-good":
            raise ValueError("still broken")
        uow.conn.execute(insert(effects).values(event_id=event.event_id, slug=event.data["slug"]))
    with_handler(rt, fixed)
    counts = dlq.replay(ConsumerRunner(rt.store, rt.config, rt.spec.subscriptions()))
    assert counts == {"replayed": 1, "failed": 1, "skipped": 0, "waiting": 0}
    assert sorted(s for _, s in effect_rows(rt)) == ["fine", "poison-fixed-later"]
    assert dlq.depth(rt.config, [TOPIC]) == {TOPIC: 1}          # the one that failed again

    again = dlq.replay(ConsumerRunner(rt.store, rt.config, rt.spec.subscriptions()))
    assert again == {"replayed": 0, "failed": 1, "skipped": 0, "waiting": 0}
    assert sorted(s for _, s in effect_rows(rt)) == ["fine", "poison-fixed-later"]   # once
    parked = read_topic(own_broker.bootstrap, TOPIC + ".dlq", expect=4)
    assert [m["value"]["data"]["slug"] for m in parked].count("poison-for-good") == 3
    last = [m for m in parked if m["value"]["data"]["slug"] == "poison-for-good"][-1]
    assert last["headers"]["dlq.error"] == b"ValueError: still broken"
    assert last["headers"]["dlq.original.topic"] == TOPIC.encode()
    assert last["headers"]["dlq.group"] == rt.config.group_id.encode()


def test_a_replay_leaves_another_services_dead_letters_alone(make_db_url, own_broker):
    rt = runtime(make_db_url, own_broker)
    other = ConsumerRunner(rt.store, type(rt.config)(**{**rt.config.__dict__, "service": "support"}),
                           rt.spec.subscriptions())
    msg = _Message(TOPIC, org_event("support-s-poison").to_json())
    assert other.dead_letter(msg, "ValueError: theirs", attempts=4)
    other.flush()
    counts = dlq.replay(ConsumerRunner(rt.store, rt.config, rt.spec.subscriptions()))
    assert counts == {"replayed": 0, "failed": 0, "skipped": 1, "waiting": 0}
    assert effect_rows(rt) == []


class _Message:
    """Just enough of a confluent_kafka.Message to dead-letter it."""

    def __init__(self, topic: str, value: bytes):
        self._topic, self._value = topic, value

    def topic(self): return self._topic
    def partition(self): return 0
    def offset(self): return 7
    def key(self): return b"k"
    def value(self): return self._value
    def headers(self): return []
