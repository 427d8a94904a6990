"""Prometheus metrics shared by every service. Under gunicorn with several workers,
set PROMETHEUS_MULTIPROC_DIR (the gunicorn config does) and /metrics aggregates."""
import os

from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge,
                               Histogram, generate_latest, multiprocess, REGISTRY)

REQUEST_LATENCY = Histogram(
    "portal_http_request_duration_seconds", "HTTP request latency by route",
    ["service", "method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
EVENTS_APPENDED = Counter("portal_events_appended_total", "Events appended to the store",
                          ["service", "type"])
EVENTS_PUBLISHED = Counter("portal_events_published_total", "Events confirmed by the broker",
                           ["service"])
EVENTS_CONSUMED = Counter("portal_events_consumed_total", "Incoming events handled",
                          ["service", "topic", "outcome"])
OUTBOX_BACKLOG = Gauge("portal_outbox_backlog", "Committed events not yet confirmed published",
                       ["service"], multiprocess_mode="max")
CONSUMER_LAG = Gauge("portal_consumer_lag", "Messages behind the end of each partition",
                     ["service", "topic", "partition"], multiprocess_mode="max")
DLQ_MESSAGES = Counter("portal_dlq_messages_total", "Messages sent to a dead-letter topic",
                       ["service", "topic"])
DLQ_DEPTH = Gauge("portal_dlq_depth", "Dead letters of this service not yet replayed",
                  ["service", "topic"], multiprocess_mode="max")
CONSUMER_RETRIES = Counter("portal_consumer_retries_total", "Handler failures tried again",
                           ["service", "topic", "kind"])
CONSUMER_HELD = Gauge("portal_consumer_held_partitions",
                      "Partitions paused while a transient failure heals", ["service"],
                      multiprocess_mode="max")
TOPIC_RESETS = Counter("portal_relay_republish_total",
                       "Times the relay found the broker had lost published events", ["service"])


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
