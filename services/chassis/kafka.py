"""Small helpers around confluent-kafka shared by the relay and the consumer runner."""
from __future__ import annotations

import logging

from confluent_kafka import KafkaError, KafkaException, TopicCollection
from confluent_kafka.admin import AdminClient, NewTopic

from services.chassis.config import Config

log = logging.getLogger(__name__)


def producer_config(config: Config, **extra) -> dict:
    """Idempotent producer (acks=all, ordered retries). message.timeout.ms=0 keeps
    messages queued while the broker is away instead of failing them out of order."""
    return {
        "bootstrap.servers": config.kafka_bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 1,
        "message.timeout.ms": 0,
        "socket.keepalive.enable": True,
        "logger": logging.getLogger("librdkafka"),
        **extra,
    }


def admin(config: Config) -> AdminClient:
    return AdminClient({"bootstrap.servers": config.kafka_bootstrap,
                        "logger": logging.getLogger("librdkafka")})


def ensure_topics(client: AdminClient, config: Config, topics: list[str], timeout: float = 5) -> None:
    """Create missing topics with the configured partitions (the broker's own
    auto-create would pick its default count)."""
    futures = client.create_topics(
        [NewTopic(t, config.topic_partitions, config.topic_replicas) for t in topics],
        request_timeout=timeout)
    for topic, future in futures.items():
        try:
            future.result()
            log.info("created topic %s", topic)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise


def topic_ids(client: AdminClient, topics: list[str], timeout: float = 2) -> dict[str, str | None]:
    """The broker's id of each topic (None when it does not exist): a new id
    means the topic was created anew and what it held is gone."""
    result: dict[str, str | None] = {}
    futures = client.describe_topics(TopicCollection(topics), request_timeout=timeout)
    for topic, future in futures.items():
        try:
            result[topic] = str(future.result().topic_id)
        except KafkaException as exc:
            if exc.args[0].code() in (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError.UNKNOWN_TOPIC_ID):
                result[topic] = None
            else:
                raise
    return result
