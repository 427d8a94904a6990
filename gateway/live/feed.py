"""The services' events into the hub: one confluent-kafka consumer per live process, in a
thread of its own, in a consumer group of its own (every process must see every event),
starting from the latest offset (a page fetches what came before through the Flask
gateway when its stream opens). Offsets are never committed: nothing here is durable."""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from datetime import datetime

from confluent_kafka import Consumer

from gateway.live.config import LiveSettings
from gateway.live.events import updates

log = logging.getLogger("gateway.live")
BATCH = 500


class Feed:
    def __init__(self, settings: LiveSettings, deliver, on_ready, event_age=None):
        """`deliver(list_of_updates)` and `on_ready()` are called from the feed's thread;
        `event_age` (a Histogram) learns how old each event is when it is read."""
        self.settings = settings
        self.event_age = event_age
        self.deliver = deliver
        self.on_ready = on_ready
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="live-feed", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)

    def _consumer(self) -> Consumer:
        s = self.settings
        return Consumer({
            "bootstrap.servers": s.kafka_bootstrap,
            "group.id": f"portal-live-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "latest", "enable.auto.commit": False,
            "fetch.wait.max.ms": s.fetch_wait_max_ms, "session.timeout.ms": s.session_timeout_ms,
            "heartbeat.interval.ms": s.heartbeat_interval_ms,
            "topic.metadata.refresh.interval.ms": 2000,      # a topic created later is found soon
        })

    def _assigned(self, consumer, partitions) -> None:
        """Start each partition at its end as it is now, so that `ready` means "every event
        committed from here on reaches the streams" (a bare `latest` is resolved later)."""
        for tp in partitions:
            tp.offset = consumer.get_watermark_offsets(tp, timeout=5)[1]
        consumer.assign(partitions)
        if partitions:
            self.on_ready()

    def _age(self, envelope: dict) -> None:
        if self.event_age is not None and isinstance(envelope.get("occurred_at"), str):
            self.event_age.observe(max(time.time() - datetime.fromisoformat(envelope["occurred_at"]).timestamp(), 0))

    def _run(self) -> None:
        consumer = self._consumer()
        consumer.subscribe(list(self.settings.topics), on_assign=self._assigned)
        try:
            while not self.stopping.is_set():
                first = consumer.poll(0.2)             # returns as soon as one event is there
                if first is None:
                    continue
                batch = [first, *consumer.consume(num_messages=BATCH, timeout=0)]   # and what else waits
                found = []
                for msg in batch:
                    if msg.error():
                        continue
                    try:
                        envelope = json.loads(msg.value())
                        found.extend(updates(envelope))
                        self._age(envelope)
                    except (ValueError, TypeError):
                        log.warning("live: an event that is not JSON on %s", msg.topic())
                if found:
                    self.deliver(found)
        finally:
            consumer.close()
