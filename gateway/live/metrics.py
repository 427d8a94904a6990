"""What the live process tells Prometheus (/metrics), and the bench: open streams, updates
handed to them, how old an event is when it arrives here (its `occurred_at`, taken inside
the service's transaction, to the moment the feed read it: relay + broker), and how long
one pass of a batch of updates over all the pages they concern takes (the fan-out)."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class LiveMetrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.streams = Gauge("portal_live_streams", "Open live streams", registry=self.registry)
        self.delivered = Counter("portal_live_delivered", "Updates handed to open streams", registry=self.registry)
        self.event_age = Histogram("portal_live_event_age_seconds", "An event's occurred_at to its arrival here",
                                   buckets=BUCKETS, registry=self.registry)
        self.fanout = Histogram("portal_live_fanout_seconds", "One batch of updates' pass over the streams they concern",
                                buckets=BUCKETS, registry=self.registry)

    def text(self, open_streams: int) -> bytes:
        self.streams.set(open_streams)
        return generate_latest(self.registry)
