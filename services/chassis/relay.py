"""Outbox relay: publishes committed events to `portal.<service>.v1`, keyed by
aggregate id, in position order, with an idempotent producer.

A row is marked published only from the broker's delivery report, so a slow
transaction whose rows become visible after higher positions were published is
never skipped: the relay always selects *unpublished* rows, not "after the last
position". Rows already handed to the producer are kept in `_in_flight` so they
are not produced twice while waiting for their report.

The broker may lose what it acknowledged (the bundled dev broker keeps data in
memory). The relay checks, at start and every few seconds, that the topic is the
one it published to: the broker gives every topic an id, and a topic created anew
has a new one. If not, everything is republished from the events table (consumers
dedupe on event_id, so that is harmless). Where each event went (partition,
offset) is recorded beside it. End offsets are not compared: the bundled broker
reports the base offset of the last batch as a partition's end (measured), which
would make such a check republish for nothing.
"""
from __future__ import annotations

import logging
import threading
import time

from confluent_kafka import KafkaException, Producer
from sqlalchemy import bindparam, false, func, select, true, update

from contracts.envelope import kafka_headers
from services.chassis import kafka, metrics, state
from services.chassis.config import Config
from services.chassis.db import read_only
from services.chassis.errors import is_transient
from services.chassis.events import Event
from services.chassis.leader import leadership
from services.chassis.tables import events
from services.chassis.waker import Waker, make_waker

log = logging.getLogger(__name__)

_mark = (update(events).where(events.c.position == bindparam("pos"))
         .values(published=True, kafka_partition=bindparam("part"), kafka_offset=bindparam("off")))


class OutboxRelay:
    def __init__(self, engine, config: Config, waker: Waker | None = None):
        self.engine = engine
        self.config = config
        self.topic = config.topic
        self.waker = waker or make_waker(engine)
        self.leader = leadership(engine, f"relay.{self.topic}", config.leader_timeout_s)
        self.leading = False
        self._admin = kafka.admin(config)
        self._producer = self._new_producer()
        self._in_flight: set[int] = set()
        self._delivered: list[dict] = []
        self._fatal = False
        self._topic_id: str | None = None
        self._topic_change: tuple[str | None, str] | None = None
        self._threaded = False
        self._next_check = 0.0

    # -- producer ---------------------------------------------------------------------
    def _new_producer(self) -> Producer:
        return Producer(kafka.producer_config(self.config, error_cb=self._on_error))

    def _on_error(self, err) -> None:
        if err.fatal():
            self._fatal = True
        log.warning("producer error: %s", err)

    def _on_delivery(self, position: int):
        def report(err, msg):
            self._in_flight.discard(position)
            if err is None:
                self._delivered.append({"pos": position, "part": msg.partition(), "off": msg.offset()})
            else:
                log.error("event %s not delivered: %s", position, err)
        return report

    def _reset_producer(self) -> None:
        """Drop everything queued in the producer; those rows are still unpublished
        in the database and are selected again."""
        try:
            self._producer.purge()
            self._producer.poll(0)
        except (KafkaException, RuntimeError):
            pass
        self._producer = self._new_producer()
        self._in_flight.clear()
        self._delivered.clear()
        self._fatal = False

    # -- the loop ---------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        log.info("relay started for %s", self.topic)
        # The topic check talks to the broker's admin API and may block: it runs
        # beside the publishing loop, never in it, so it adds no latency.
        self._threaded = True
        checker = threading.Thread(target=self._check_loop, args=(stop,), name="relay-check",
                                   daemon=True)
        checker.start()
        next_lease_check, failures = 0.0, 0
        try:
            if not self._lead(stop):
                return
            while not stop.is_set():
                if time.monotonic() >= next_lease_check:
                    next_lease_check = time.monotonic() + 1.0
                    if not self.leader.still_held():
                        log.warning("relay lost its leadership; standing by")
                        self.leading = False
                        self._reset_producer()
                        if not self._lead(stop):
                            return
                try:
                    self.step()
                    failures = 0
                except Exception as exc:  # noqa: BLE001 - the relay must outlive any one failure
                    failures += 1
                    self._step_failed(exc, failures, stop)
                    continue
                if not self._delivered and not self._has_backlog_room():
                    self.waker.wait(0.01)
                elif not self._delivered:
                    self.waker.wait(0.005 if self._in_flight else 0.5)
        finally:
            self.close()

    def _step_failed(self, exc: Exception, failures: int, stop: threading.Event) -> None:
        """A pass that failed (the database restarted under it): logged, and tried again after
        a capped backoff. Nothing is lost: what was delivered but not yet recorded is kept
        (_record_delivered), and unpublished rows are selected again. A relay thread that
        ended here would leave the worker up and the outbox unpublished for ever."""
        delay = min(0.1 * 2 ** (failures - 1), 5.0)
        if is_transient(exc):
            log.warning("relay pass failed, trying again in %.1f s: %s", delay, exc)
        else:
            log.exception("relay pass failed, trying again in %.1f s", delay)
        stop.wait(delay)

    def _lead(self, stop: threading.Event) -> bool:
        """Wait until this relay is the one that publishes; False when stopped first."""
        announced = False
        while not stop.is_set():
            if self.leader.try_acquire():
                log.info("relay for %s is publishing", self.topic)
                self.leading = True
                return True
            if not announced:
                log.info("another relay publishes %s; standing by", self.topic)
                announced = True
            stop.wait(1.0)
        return False

    def step(self) -> int:
        """One pass: collect delivery reports, record them, maybe check the topic,
        produce what is pending. Returns how many events were handed to the producer."""
        self._producer.poll(0)
        self._record_delivered()
        if self._fatal:
            log.error("producer hit a fatal error; starting a new one")
            self._reset_producer()
        if not self._threaded and time.monotonic() >= self._next_check:
            self._next_check = time.monotonic() + self.config.topic_check_interval_s
            self.check_topic()
        self._apply_topic_change()
        return self._produce_pending()

    def _check_loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.check_topic()
            except Exception:  # noqa: BLE001 - the check must never stop the relay
                log.exception("topic check failed")
            stop.wait(self.config.topic_check_interval_s)

    def _has_backlog_room(self) -> bool:
        return len(self._in_flight) < self.config.relay_max_in_flight

    def _produce_pending(self) -> int:
        room = self.config.relay_max_in_flight - len(self._in_flight)
        if room <= 0:
            return 0
        limit = min(room, self.config.relay_batch_size) + len(self._in_flight)
        with read_only(self.engine) as conn:
            # Positions first (an index-only scan), whole rows only for those not in flight:
            # while the broker is away the in-flight set is large and must not be re-read.
            positions = [p for p in conn.execute(
                select(events.c.position).where(events.c.published == false())
                .order_by(events.c.position).limit(limit)).scalars()
                if p not in self._in_flight][:room]
            rows = conn.execute(select(events).where(events.c.position.in_(positions))
                                .order_by(events.c.position)).all() if positions else []
        produced = 0
        for row in rows:
            event = Event.from_row(row)
            try:
                self._producer.produce(
                    self.topic, key=event.aggregate_id.encode(), value=event.to_json(),
                    headers=kafka_headers(event.envelope()),
                    on_delivery=self._on_delivery(row.position))
            except BufferError:
                break
            self._in_flight.add(row.position)
            produced += 1
        if produced:
            self._producer.poll(0)
        return produced

    def _record_delivered(self) -> None:
        if not self._delivered:
            return
        done, self._delivered = self._delivered, []
        try:
            with self.engine.begin() as conn:
                conn.execute(_mark, done)
        except Exception:
            self._delivered = done + self._delivered        # recorded on the next pass instead
            raise
        metrics.EVENTS_PUBLISHED.labels(self.config.service).inc(len(done))

    def flush(self, timeout: float = 10.0) -> int:
        """Wait for outstanding deliveries and record them; returns what is left."""
        left = self._producer.flush(timeout)
        self._record_delivered()
        return left

    def close(self) -> None:
        left = self.flush(10.0)
        if left:
            log.warning("relay stopped with %d events unconfirmed; they stay unpublished", left)
        self.waker.close()
        self.leader.release()

    def drain(self, timeout: float = 30.0) -> None:
        """Publish until nothing is pending (tools and tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.step()
            self.flush(1.0)
            if not self._in_flight and self.backlog() == 0:
                return
        raise TimeoutError(f"outbox not drained: {self.backlog()} events left")

    # -- the broker lost data? ----------------------------------------------------------
    def backlog(self) -> int:
        with read_only(self.engine) as conn:
            return conn.execute(select(func.count()).select_from(events)
                                .where(events.c.published == false())).scalar()

    def check_topic(self) -> None:
        try:
            kafka.ensure_topics(self._admin, self.config, [self.topic], timeout=2)
            topic_id = kafka.topic_ids(self._admin, [self.topic])[self.topic]
        except KafkaException as exc:
            log.info("broker not reachable for the topic check: %s", exc)
            return
        if topic_id is None:
            return
        metrics.OUTBOX_BACKLOG.labels(self.config.service).set(self.backlog())
        stored = self._topic_id or state.get(self.engine, self._state_key)
        if stored != topic_id:
            self._topic_change = (stored, topic_id)      # acted on by the publishing loop

    @property
    def _state_key(self) -> str:
        return f"relay.topic_id.{self.topic}"

    def _apply_topic_change(self) -> None:
        """Republish everything if the topic is not the one we published to, and
        remember the new topic in the same transaction (a crash cannot skip it)."""
        change, self._topic_change = self._topic_change, None
        if change is None:
            return
        stored, topic_id = change
        if stored is not None:
            log.warning("topic %s was created anew on the broker; republishing every event",
                        self.topic)
            self._reset_producer()
        with self.engine.begin() as conn:
            if stored is not None:
                conn.execute(update(events).where(events.c.published == true())
                             .values(published=False, kafka_partition=None, kafka_offset=None))
            state.put(conn, self._state_key, topic_id)
        if stored is not None:
            metrics.TOPIC_RESETS.labels(self.config.service).inc()
        self._topic_id = topic_id
