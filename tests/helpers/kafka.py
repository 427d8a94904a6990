"""Reading a topic back in tests, straight from the broker (no consumer group)."""
from __future__ import annotations

import json
import time

from confluent_kafka import Consumer, TopicPartition


def read_topic(bootstrap: str, topic: str, expect: int, timeout: float = 20.0,
               partitions: int = 4) -> list[dict]:
    """Every message of the topic from the beginning; waits until `expect` arrived
    (and a little longer, to see duplicates)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "test-reader",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 10})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    got: list[dict] = []
    deadline = time.monotonic() + timeout
    settle = None
    try:
        while time.monotonic() < deadline:
            msg = consumer.poll(0.1)
            if msg is not None and not msg.error():
                got.append({"key": msg.key().decode() if msg.key() else None,
                            "partition": msg.partition(), "offset": msg.offset(),
                            "headers": dict(msg.headers() or []),
                            "value": _decode(msg.value())})
            if len(got) >= expect:
                settle = settle or time.monotonic() + 0.5
                if time.monotonic() >= settle:
                    break
    finally:
        consumer.close()
    return got


def _decode(value: bytes):
    try:
        return json.loads(value)
    except ValueError:
        return value
