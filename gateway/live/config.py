"""Every setting of the live process, read from the environment in one place:

GATEWAY_SECRET_KEY            checks the grants the Flask gateway signs (the same value there)
LIVE_GRANT_SECONDS            how long a grant lives, and so one stream (default 120): the
                              delay after which a signed-out or revoked person stops receiving
LIVE_MAX_STREAMS_PER_PERSON   open streams one person may hold at once (default 16); more: 429
LIVE_HEARTBEAT_SECONDS        a comment line this often keeps proxies from closing a quiet stream (15)
LIVE_TOPICS                   the services' topics fed in (default portal.support.v1,portal.orders.v1,portal.billing.v1)
LIVE_ALLOW_ORIGIN             CORS origin allowed to open streams when the page is on another
                              port (make up); empty: same origin only (Kubernetes' ingress)
KAFKA_BOOTSTRAP, KAFKA_FETCH_WAIT_MAX_MS, KAFKA_SESSION_TIMEOUT_MS, KAFKA_HEARTBEAT_INTERVAL_MS
BIND / PORT                   where it listens (default 127.0.0.1:8010)
METRICS_PORT                  also serve /metrics on this port (Kubernetes: Prometheus is let in there alone)
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class LiveSettings:
    secret: str
    grant_seconds: float = 120.0
    max_streams_per_person: int = 16
    heartbeat_seconds: float = 15.0
    topics: tuple[str, ...] = ("portal.support.v1", "portal.orders.v1", "portal.billing.v1")
    allow_origin: str = ""
    kafka_bootstrap: str = "127.0.0.1:19092"
    fetch_wait_max_ms: int = 10
    session_timeout_ms: int = 6000
    heartbeat_interval_ms: int = 500
    host: str = "127.0.0.1"
    port: int = 8010
    metrics_port: int = 0                 # 0: /metrics on the streams' port only

    @classmethod
    def from_env(cls, env=None, **overrides) -> "LiveSettings":
        env = os.environ if env is None else env
        bind = env.get("BIND") or f"{cls.host}:{env.get('PORT', cls.port)}"
        host, _, port = bind.rpartition(":")
        values = dict(
            secret=env.get("GATEWAY_SECRET_KEY", ""),
            grant_seconds=float(env.get("LIVE_GRANT_SECONDS", cls.grant_seconds)),
            max_streams_per_person=int(env.get("LIVE_MAX_STREAMS_PER_PERSON", cls.max_streams_per_person)),
            heartbeat_seconds=float(env.get("LIVE_HEARTBEAT_SECONDS", cls.heartbeat_seconds)),
            topics=tuple(t for t in env.get("LIVE_TOPICS", ",".join(cls.topics)).split(",") if t),
            allow_origin=env.get("LIVE_ALLOW_ORIGIN", ""),
            kafka_bootstrap=env.get("KAFKA_BOOTSTRAP", cls.kafka_bootstrap),
            fetch_wait_max_ms=int(env.get("KAFKA_FETCH_WAIT_MAX_MS", cls.fetch_wait_max_ms)),
            session_timeout_ms=int(env.get("KAFKA_SESSION_TIMEOUT_MS", cls.session_timeout_ms)),
            heartbeat_interval_ms=int(env.get("KAFKA_HEARTBEAT_INTERVAL_MS", cls.heartbeat_interval_ms)),
            host=host or "0.0.0.0", port=int(port), metrics_port=int(env.get("METRICS_PORT") or 0))
        values.update(overrides)
        return cls(**values)
