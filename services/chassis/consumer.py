"""Consumer runner: at-least-once delivery, exactly-once effect.

For each message: the handler's effects and the "handled" record (event id) commit
in one transaction; only then is the offset stored (`enable.auto.offset.store` is
off: librdkafka's default would mark a message consumed before our code ran) and
later committed. A redelivered event finds its id handled and is skipped.

Two kinds of failure, told apart by `errors.is_transient`:
- transient (the database failing over, a peer restarting, a timeout): the partition is
  paused and the message read again after a capped backoff, without end: time heals it,
  and dead-lettering it would drop the event for good. Other partitions keep flowing,
  and the loop keeps polling, so the consumer stays in its group.
- poison (bad data, a broken invariant): retried a few times, then the message goes to
  `<topic>.dlq` with the error and the partition moves on. `python -m services.<name>
  dlq replay` re-drives it once the cause is fixed (services/chassis/dlq.py).
"""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Callable

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from marshmallow import ValidationError

from contracts.catalogue import dlq_topic
from contracts.envelope import EnvelopeSchema
from services.chassis import context, dlq, kafka, metrics
from services.chassis.config import Config
from services.chassis.errors import is_transient
from services.chassis.eventstore import EventStore, UnitOfWork
from services.chassis.events import Event

log = logging.getLogger(__name__)

Handler = Callable[[Event, UnitOfWork], None]
# What became of one message: handled (or a duplicate, or not ours), dead-lettered,
# to be tried again later, or left because the runner is stopping.
DONE, DEAD, TRANSIENT, STOPPED = "done", "dead", "transient", "stopped"
_envelope = EnvelopeSchema()


def consumer_config(config: Config, **extra) -> dict:
    return {
        "bootstrap.servers": config.kafka_bootstrap,
        "group.id": config.group_id,
        "enable.auto.commit": True,
        "auto.commit.interval.ms": 1000,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": config.session_timeout_ms,
        "heartbeat.interval.ms": config.heartbeat_interval_ms,
        "fetch.wait.max.ms": config.fetch_wait_max_ms,
        "logger": logging.getLogger("librdkafka"),
        **extra,
    }


class ConsumerRunner:
    def __init__(self, store: EventStore, config: Config,
                 subscriptions: dict[str, dict[str, Handler]]):
        self.store = store
        self.config = config
        self.subscriptions = subscriptions
        self.topics = sorted(subscriptions)
        self._consumer: Consumer | None = None
        self._dlq = Producer(kafka.producer_config(config, **{"message.timeout.ms": 10000}))
        self._admin = kafka.admin(config)
        self._topic_ids: dict[str, str | None] = {}
        self._rewind: set[str] = set()
        # Partitions paused after a transient failure: (topic, partition) -> (resume at,
        # the offset to read again); and how often each held message has failed.
        self._held: dict[tuple[str, int], tuple[float, int]] = {}
        self._failures: dict[tuple[str, int, int], int] = {}
        self._depth = dlq.DepthGauge(config, self.topics)
        self.stopping = threading.Event()

    def run(self, stop: threading.Event | None = None) -> None:
        if not self.topics:
            return
        stop = stop or self.stopping
        self.stopping = stop
        self._wait_for_topics(stop)
        self._consumer = Consumer(consumer_config(self.config))
        self._consumer.subscribe(self.topics, on_revoke=self._on_revoke)
        log.info("consumer of group %s started on %s", self.config.group_id, ", ".join(self.topics))
        # Broker admin calls may block: they run beside the poll loop, not in it.
        threading.Thread(target=self._watch_loop, args=(stop,), name="consumer-watch",
                         daemon=True).start()
        try:
            while not stop.is_set():
                self.poll_once(0.1)
        finally:
            self.close()

    def _wait_for_topics(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                kafka.ensure_topics(self._admin, self.config,
                                    self.topics + [dlq_topic(t) for t in self.topics])
                return
            except KafkaException as exc:
                log.warning("waiting for the broker: %s", exc)
                stop.wait(1.0)

    def _watch_loop(self, stop: threading.Event) -> None:
        while not stop.wait(self.config.topic_check_interval_s):
            try:
                self._watch_topics()
                self._report_lag()
                self._depth.report()
            except Exception:  # noqa: BLE001 - watching must never stop consuming
                log.exception("topic watch failed")

    def poll_once(self, timeout: float) -> None:
        while self._rewind:
            self._seek_to_beginning(self._rewind.pop())
        self._resume_due()
        msg = self._consumer.poll(timeout)
        if msg is None:
            return
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                log.warning("consumer error: %s", msg.error())
            return
        if (msg.topic(), msg.partition()) in self._held:
            return          # fetched before the pause: read again from the held offset
        if self.handle(msg):
            self._consumer.store_offsets(message=msg)

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()   # commits stored offsets and leaves the group
            self._consumer = None
        self._dlq.flush(5)
        self._depth.close()

    def attach(self, consumer: Consumer) -> None:
        """Process messages read by another consumer (a dead-letter replay)."""
        self._consumer = consumer

    def flush(self, timeout: float = 10.0) -> None:
        self._dlq.flush(timeout)

    # -- one message ------------------------------------------------------------------
    def handle(self, msg) -> bool:
        """Handle one message; True when its offset may be stored. A transient failure
        holds the partition and answers False: the message is read again later."""
        outcome = self.process(msg)
        if outcome == TRANSIENT:
            self._hold(msg)
        return outcome in (DONE, DEAD)

    def process(self, msg, topic: str | None = None) -> str:
        """DONE (handled, a duplicate or ignored), DEAD (dead-lettered), TRANSIENT (try
        again later) or STOPPED. `topic` names the topic the event came from when `msg` was read from
        elsewhere (a dead-letter topic being replayed)."""
        topic = topic or msg.topic()
        try:
            envelope = _envelope.load(json.loads(msg.value()))
        except (ValueError, TypeError, ValidationError) as exc:
            return self._dead(msg, topic, f"not a valid event: {exc}", attempts=0)
        handler = self.subscriptions.get(topic, {}).get(envelope["type"])
        if handler is None:
            metrics.EVENTS_CONSUMED.labels(self.config.service, topic, "ignored").inc()
            return DONE
        event = Event.from_envelope(_envelope.dump(envelope))
        ctx = context.Context(correlation_id=event.correlation_id, causation_id=event.event_id)
        attempt = 0
        while True:
            attempt += 1
            try:
                with context.using(ctx):
                    outcome = self._apply(handler, event, topic)
                metrics.EVENTS_CONSUMED.labels(self.config.service, topic, outcome).inc()
                self._failures.pop((msg.topic(), msg.partition(), msg.offset()), None)
                return DONE
            except Exception as exc:  # noqa: BLE001 - sorted into transient and poison below
                if is_transient(exc):
                    log.warning("handler for %s failed, will try again: %s", event.type, exc)
                    metrics.CONSUMER_RETRIES.labels(self.config.service, topic, "transient").inc()
                    return TRANSIENT
                log.warning("handler for %s failed (try %d): %s", event.type, attempt, exc)
                metrics.CONSUMER_RETRIES.labels(self.config.service, topic, "poison").inc()
                if attempt > self.config.consumer_max_retries:
                    return self._dead(msg, topic, f"{type(exc).__name__}: {exc}", attempts=attempt)
                delay = self.config.consumer_retry_backoff_ms / 1000 * 2 ** (attempt - 1)
                if self.stopping.wait(delay):
                    return STOPPED   # not handled, not stored: redelivered after restart

    def _dead(self, msg, topic: str, error: str, attempts: int) -> str:
        return DEAD if self.dead_letter(msg, error, attempts, topic) else STOPPED

    # -- transient failures: hold the partition, read again later -----------------------
    def _hold(self, msg) -> None:
        key = (msg.topic(), msg.partition())
        failures = self._failures.get((*key, msg.offset()), 0) + 1
        self._failures[(*key, msg.offset())] = failures
        delay = min(self.config.consumer_retry_backoff_ms * 2 ** (failures - 1),
                    self.config.consumer_transient_backoff_max_ms) / 1000
        tp = TopicPartition(msg.topic(), msg.partition(), msg.offset())
        try:
            self._consumer.pause([tp])
            self._consumer.seek(tp)
        except KafkaException as exc:
            log.info("could not hold %s: %s", tp, exc)
        self._held[key] = (time.monotonic() + delay, msg.offset())
        metrics.CONSUMER_HELD.labels(self.config.service).set(len(self._held))

    def _resume_due(self) -> None:
        now = time.monotonic()
        for key, (due, offset) in list(self._held.items()):
            if due > now:
                continue
            del self._held[key]
            try:        # seek again: a message fetched before the pause was passed over
                self._consumer.seek(TopicPartition(*key, offset))
                self._consumer.resume([TopicPartition(*key)])
            except KafkaException as exc:
                log.info("resume %s failed (no longer ours?): %s", key, exc)
        metrics.CONSUMER_HELD.labels(self.config.service).set(len(self._held))

    def _on_revoke(self, consumer, partitions) -> None:
        """A revoked partition's new owner reads it from the committed offset, which is
        at or before a held message: forget the hold, and leave nothing paused behind."""
        for tp in partitions:
            if self._held.pop((tp.topic, tp.partition), None) is not None:
                try:
                    consumer.resume([TopicPartition(tp.topic, tp.partition)])
                except KafkaException:
                    pass

    def _apply(self, handler: Handler, event: Event, topic: str) -> str:
        with self.store.unit_of_work() as uow:
            if not uow.mark_handled(event.event_id, topic, event.type):
                return "duplicate"
            handler(event, uow)
            uow.commit()
        return "handled"

    def dead_letter(self, msg, error: str, attempts: int, topic: str | None = None) -> bool:
        """Park the message in `<topic>.dlq` with why, where from and which group gave up
        (so each service replays only its own). True once the broker has it."""
        topic = topic or msg.topic()
        original = dict(msg.headers() or [])
        headers = [(k, v) for k, v in (msg.headers() or []) if not k.startswith("dlq.")] + [
            ("dlq.original.topic", topic.encode()),
            ("dlq.original.partition", original.get("dlq.original.partition", str(msg.partition()).encode())),
            ("dlq.original.offset", original.get("dlq.original.offset", str(msg.offset()).encode())),
            ("dlq.group", self.config.group_id.encode()),
            ("dlq.error", error[:1000].encode()),
            ("dlq.attempts", str(attempts).encode()),
        ]
        result: list = []
        self._dlq.produce(dlq_topic(topic), key=msg.key(), value=msg.value(),
                          headers=headers, on_delivery=lambda err, _m: result.append(err))
        self._dlq.flush(10)
        if not result or result[0] is not None:
            log.error("could not dead-letter message at %s/%s@%s: %s", msg.topic(),
                      msg.partition(), msg.offset(), result[0] if result else "timeout")
            self._consumer.seek(TopicPartition(msg.topic(), msg.partition(), msg.offset()))
            return False
        log.error("dead-lettered %s/%s@%s: %s", msg.topic(), msg.partition(), msg.offset(), error)
        metrics.DLQ_MESSAGES.labels(self.config.service, topic).inc()
        return True

    # -- the broker lost its topics? -----------------------------------------------------
    def _watch_topics(self) -> None:
        """A topic created anew (the in-memory dev broker restarted) starts its
        offsets at 0 again: read it from the beginning (handled events are skipped)."""
        try:
            ids = kafka.topic_ids(self._admin, self.topics)
        except KafkaException:
            return
        for topic, topic_id in ids.items():
            seen = self._topic_ids.get(topic)
            if seen is not None and topic_id is not None and topic_id != seen:
                log.warning("topic %s was created anew; reading it from the beginning", topic)
                self._rewind.add(topic)
            if topic_id is not None:
                self._topic_ids[topic] = topic_id

    def _seek_to_beginning(self, topic: str) -> None:
        for tp in self._consumer.assignment():
            if tp.topic == topic:
                try:
                    self._consumer.seek(TopicPartition(topic, tp.partition, OFFSET_BEGINNING))
                except KafkaException as exc:
                    log.info("seek %s failed: %s", tp, exc)

    def _report_lag(self) -> None:
        try:
            for tp in self._consumer.position(self._consumer.assignment()):
                low, high = self._consumer.get_watermark_offsets(tp, timeout=1)
                lag = high - (tp.offset if tp.offset >= 0 else low)
                metrics.CONSUMER_LAG.labels(self.config.service, tp.topic, str(tp.partition)).set(lag)
        except KafkaException:
            pass
