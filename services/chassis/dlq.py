"""Dead letters: how many wait, and re-driving them once their cause is fixed.

A consumer parks a poison message in `<topic>.dlq` with headers saying where it came from
and which consumer group gave up (services/chassis/consumer.py). Several services consume
one topic, so they share its dead-letter topic; each replays only its own.

`python -m services.<name> dlq replay` reads the service's dead-letter topics up to their
end as it was when the replay started and hands each of its messages to the same handler
again, through the consumer's own path: dedupe by event id makes a second effect
impossible. One that fails again goes back to the end of the dead-letter topic with the
new error, so nothing is lost. Progress is the consumer group `<group>.dlq-replay`'s
committed offsets: a replay never re-drives what an earlier one did, and "depth" is what
lies between those offsets and the end.
"""
from __future__ import annotations

import logging

from confluent_kafka import Consumer, KafkaException, TopicPartition

from contracts.catalogue import dlq_topic
from services.chassis import metrics
from services.chassis.config import Config

log = logging.getLogger(__name__)


def replay_group(config: Config) -> str:
    return f"{config.group_id}.dlq-replay"


def _consumer(config: Config) -> Consumer:
    return Consumer({"bootstrap.servers": config.kafka_bootstrap, "group.id": replay_group(config),
                     "enable.auto.commit": False, "enable.auto.offset.store": False,
                     "auto.offset.reset": "earliest", "fetch.wait.max.ms": config.fetch_wait_max_ms,
                     "logger": logging.getLogger("librdkafka")})


def _partitions(consumer: Consumer, topic: str, timeout: float) -> list[TopicPartition]:
    found = consumer.list_topics(topic, timeout=timeout).topics.get(topic)
    if found is None or found.error is not None:
        return []
    return [TopicPartition(topic, p) for p in sorted(found.partitions)]


def _pending(consumer: Consumer, topic: str, timeout: float) -> list[tuple[TopicPartition, int]]:
    """(partition at the replay group's position, end offset) for each partition with work."""
    tps = _partitions(consumer, topic, timeout)
    if not tps:
        return []
    todo = []
    for tp in consumer.committed(tps, timeout=timeout):
        low, high = consumer.get_watermark_offsets(tp, timeout=timeout)
        start = tp.offset if tp.offset >= 0 else low
        if high > start:
            todo.append((TopicPartition(tp.topic, tp.partition, start), high))
    return todo


def depth(config: Config, topics: list[str], timeout: float = 5.0,
          consumer: Consumer | None = None) -> dict[str, int]:
    """Messages in each consumed topic's dead-letter topic not yet replayed by this service."""
    own = consumer or _consumer(config)
    try:
        return {t: sum(high - tp.offset for tp, high in _pending(own, dlq_topic(t), timeout))
                for t in topics}
    finally:
        if consumer is None:
            own.close()


class DepthGauge:
    """Keeps `portal_dlq_depth` current from a worker's watch loop (one consumer, reused)."""

    def __init__(self, config: Config, topics: list[str]):
        self.config, self.topics, self._consumer = config, topics, None

    def report(self) -> None:
        self._consumer = self._consumer or _consumer(self.config)
        try:
            for topic, count in depth(self.config, self.topics, 2.0, self._consumer).items():
                metrics.DLQ_DEPTH.labels(self.config.service, topic).set(count)
        except KafkaException as exc:
            log.info("dead-letter depth unknown: %s", exc)

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()


def replay(runner, timeout: float = 10.0) -> dict[str, int]:
    """Re-drive this service's dead letters through `runner` (a ConsumerRunner). Returns
    counts: replayed (handled now), failed (parked again), skipped (another service's),
    and waiting (left because a transient failure or a stop came first)."""
    from services.chassis.consumer import DEAD, DONE
    config = runner.config
    counts = {"replayed": 0, "failed": 0, "skipped": 0, "waiting": 0}
    consumer = _consumer(config)
    runner.attach(consumer)
    try:
        for topic in runner.topics:
            for start, high in _pending(consumer, dlq_topic(topic), timeout):
                consumer.assign([start])
                position = start.offset
                while position < high:
                    msg = consumer.poll(timeout)
                    if msg is None:
                        break
                    if msg.error():
                        continue
                    headers = dict(msg.headers() or [])
                    group = headers.get("dlq.group", config.group_id.encode()).decode()
                    if group != config.group_id:
                        counts["skipped"] += 1
                    else:
                        outcome = runner.process(msg, topic=topic)
                        if outcome not in (DONE, DEAD):      # transient, or stopping: later
                            counts["waiting"] += high - msg.offset()
                            break
                        counts["failed" if outcome == DEAD else "replayed"] += 1
                    position = msg.offset() + 1
                    consumer.commit(offsets=[TopicPartition(msg.topic(), msg.partition(), position)],
                                    asynchronous=False)
                consumer.unassign()
    finally:
        runner.flush()
        consumer.close()
    return counts
