"""Consumer runner: at-least-once delivery, exactly-once effect.

For each message: the handler's effects and the "handled" record (event id) commit
in one transaction; only then is the offset stored (`enable.auto.offset.store` is
off: librdkafka's default would mark a message consumed before our code ran) and
later committed. A redelivered event finds its id handled and is skipped.
A failing handler is retried with backoff; after the last try, or at once for a
message that is not a valid event, the message goes to `<topic>.dlq` with the
error and the partition moves on.
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
from services.chassis import context, kafka, metrics
from services.chassis.config import Config
from services.chassis.eventstore import EventStore, UnitOfWork
from services.chassis.events import Event

log = logging.getLogger(__name__)

Handler = Callable[[Event, UnitOfWork], None]
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
        self.stopping = threading.Event()

    def run(self, stop: threading.Event | None = None) -> None:
        if not self.topics:
            return
        stop = stop or self.stopping
        self.stopping = stop
        self._wait_for_topics(stop)
        self._consumer = Consumer(consumer_config(self.config))
        self._consumer.subscribe(self.topics)
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
            except Exception:  # noqa: BLE001 - watching must never stop consuming
                log.exception("topic watch failed")

    def poll_once(self, timeout: float) -> None:
        while self._rewind:
            self._seek_to_beginning(self._rewind.pop())
        msg = self._consumer.poll(timeout)
        if msg is None:
            return
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                log.warning("consumer error: %s", msg.error())
            return
        if self.handle(msg):
            self._consumer.store_offsets(message=msg)

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()   # commits stored offsets and leaves the group
            self._consumer = None
        self._dlq.flush(5)

    # -- one message ------------------------------------------------------------------
    def handle(self, msg) -> bool:
        """Handle one message; True when its offset may be stored."""
        topic = msg.topic()
        try:
            envelope = _envelope.load(json.loads(msg.value()))
        except (ValueError, TypeError, ValidationError) as exc:
            return self.dead_letter(msg, f"not a valid event: {exc}", attempts=0)
        handler = self.subscriptions.get(topic, {}).get(envelope["type"])
        if handler is None:
            metrics.EVENTS_CONSUMED.labels(self.config.service, topic, "ignored").inc()
            return True
        event = Event.from_envelope(_envelope.dump(envelope))
        ctx = context.Context(correlation_id=event.correlation_id, causation_id=event.event_id)
        attempt = 0
        while True:
            attempt += 1
            try:
                with context.using(ctx):
                    outcome = self._apply(handler, event, topic)
                metrics.EVENTS_CONSUMED.labels(self.config.service, topic, outcome).inc()
                return True
            except Exception as exc:  # noqa: BLE001 - any failure is retried, then dead-lettered
                log.warning("handler for %s failed (try %d): %s", event.type, attempt, exc)
                if attempt > self.config.consumer_max_retries:
                    return self.dead_letter(msg, f"{type(exc).__name__}: {exc}", attempts=attempt)
                delay = self.config.consumer_retry_backoff_ms / 1000 * 2 ** (attempt - 1)
                if self.stopping.wait(delay):
                    return False   # not handled, not stored: redelivered after restart

    def _apply(self, handler: Handler, event: Event, topic: str) -> str:
        with self.store.unit_of_work() as uow:
            if not uow.mark_handled(event.event_id, topic, event.type):
                return "duplicate"
            handler(event, uow)
            uow.commit()
        return "handled"

    def dead_letter(self, msg, error: str, attempts: int) -> bool:
        headers = list(msg.headers() or []) + [
            ("dlq.original.topic", msg.topic().encode()),
            ("dlq.original.partition", str(msg.partition()).encode()),
            ("dlq.original.offset", str(msg.offset()).encode()),
            ("dlq.error", error[:1000].encode()),
            ("dlq.attempts", str(attempts).encode()),
        ]
        result: list = []
        self._dlq.produce(dlq_topic(msg.topic()), key=msg.key(), value=msg.value(),
                          headers=headers, on_delivery=lambda err, _m: result.append(err))
        self._dlq.flush(10)
        if not result or result[0] is not None:
            log.error("could not dead-letter message at %s/%s@%s: %s", msg.topic(),
                      msg.partition(), msg.offset(), result[0] if result else "timeout")
            self._consumer.seek(TopicPartition(msg.topic(), msg.partition(), msg.offset()))
            return False
        log.error("dead-lettered %s/%s@%s: %s", msg.topic(), msg.partition(), msg.offset(), error)
        metrics.DLQ_MESSAGES.labels(self.config.service, msg.topic()).inc()
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
