"""The gateway's live process (`python -m gateway.live`) started by a test on a free port,
fed by a topic of the test's own on the real broker; and envelopes produced to it as a
service's relay would."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from gateway.live import grants
from tests.helpers.broker import free_port


def make_topic(bootstrap: str, partitions: int = 4) -> str:
    topic = f"portal.support.v1.live-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic].result(10)
    return topic


class LiveProcess:
    def __init__(self, bootstrap: str, topic: str, secret: str = "test-secret", **settings):
        self.port = free_port()
        self.secret = secret
        self.env = {**os.environ, "GATEWAY_SECRET_KEY": secret, "KAFKA_BOOTSTRAP": bootstrap,
                    "LIVE_TOPICS": topic, "BIND": f"127.0.0.1:{self.port}", "KAFKA_SESSION_TIMEOUT_MS": "2000",
                    "KAFKA_HEARTBEAT_INTERVAL_MS": "200", **{k: str(v) for k, v in settings.items()}}
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> "LiveProcess":
        self.proc = subprocess.Popen([sys.executable, "-m", "gateway.live"], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=1) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("the live process did not become ready")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def url(self, org: str, principal: str, side: str, topics: list[str]) -> str:
        return f"{self.base}/live/stream?grant={grants.mint(self.secret, org, principal, side, topics)}"


class Relay:
    """Produces contract envelopes to the topic, keyed by aggregate id, as a relay does."""

    def __init__(self, bootstrap: str, topic: str):
        self.topic = topic
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})

    def publish(self, org: str, type_: str, aggregate_id: str, data: dict) -> None:
        envelope = {"event_id": str(uuid.uuid4()), "type": type_, "schema_version": 1, "org_id": org,
                    "aggregate_type": "Ticket", "aggregate_id": aggregate_id, "aggregate_version": 1,
                    "occurred_at": "2026-01-01T10:00:00.000000+00:00", "actor": {"kind": "system", "id": None},
                    "correlation_id": None, "causation_id": None, "data": data}
        self.producer.produce(self.topic, json.dumps(envelope).encode(), key=aggregate_id.encode())
        self.producer.flush(10)
