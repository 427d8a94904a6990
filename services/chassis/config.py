"""12-factor configuration: every setting comes from the environment, with safe
local defaults, read in one place."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

SERVICES = ("identity", "billing", "orders", "support", "documents", "notifications")


def _env(name: str, service: str, default: str) -> str:
    """`<SERVICE>_<NAME>` wins over `<NAME>`, so one environment can serve every process."""
    return os.environ.get(f"{service.upper()}_{name}", os.environ.get(name, default))


def _int(name: str, service: str, default: int) -> int:
    return int(_env(name, service, str(default)))


@dataclass(frozen=True)
class Config:
    service: str
    database_url: str
    kafka_bootstrap: str = "127.0.0.1:19092"
    # Connections each process may hold (PostgreSQL): pool + overflow. Production sizes
    # them so that every process at the autoscalers' maximum fits max_connections
    # (tests/deploy checks the sum); a worker also holds two of its own (relay leader, listener).
    db_pool_size: int = 10
    db_max_overflow: int = 10
    topic_partitions: int = 4
    topic_replicas: int = 1
    # Short group timings keep a dev/test consumer's join to ~3 s; production raises them.
    session_timeout_ms: int = 6000
    heartbeat_interval_ms: int = 500
    fetch_wait_max_ms: int = 10
    consumer_max_retries: int = 3
    consumer_retry_backoff_ms: int = 200
    consumer_transient_backoff_max_ms: int = 30000   # a transient failure waits at most this
    relay_batch_size: int = 500
    relay_max_in_flight: int = 20000
    topic_check_interval_s: float = 2.0
    leader_timeout_s: float = 15.0   # a dead relay-leader connection is noticed within this
    log_level: str = "INFO"
    log_json: bool = True
    metrics_port: int = 0
    token_private_key: str = ""      # identity only: signs internal tokens (services/chassis/auth.py)
    token_public_keys: str = ""      # every service: verifies them
    service_urls: dict[str, str] = field(default_factory=dict)
    # A service's own settings (e.g. billing's SECRETS_KEY) are read through setting()
    # below; `env` replaces the process environment for them (tests hand in their own).
    env: Mapping[str, str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_env(cls, service: str, **overrides) -> "Config":
        data_dir = Path(os.environ.get("PORTAL_DATA_DIR", "var"))
        urls = {
            name: os.environ.get(f"SERVICE_URL_{name.upper()}", f"http://127.0.0.1:{8101 + i}")
            for i, name in enumerate(SERVICES)
        }
        config = cls(
            service=service,
            database_url=_env("DATABASE_URL", service, f"sqlite:///{data_dir / service}.db"),
            kafka_bootstrap=_env("KAFKA_BOOTSTRAP", service, cls.kafka_bootstrap),
            db_pool_size=_int("DB_POOL_SIZE", service, cls.db_pool_size),
            db_max_overflow=_int("DB_MAX_OVERFLOW", service, cls.db_max_overflow),
            topic_partitions=_int("TOPIC_PARTITIONS", service, cls.topic_partitions),
            topic_replicas=_int("TOPIC_REPLICAS", service, cls.topic_replicas),
            session_timeout_ms=_int("KAFKA_SESSION_TIMEOUT_MS", service, cls.session_timeout_ms),
            heartbeat_interval_ms=_int("KAFKA_HEARTBEAT_INTERVAL_MS", service, cls.heartbeat_interval_ms),
            fetch_wait_max_ms=_int("KAFKA_FETCH_WAIT_MAX_MS", service, cls.fetch_wait_max_ms),
            consumer_max_retries=_int("CONSUMER_MAX_RETRIES", service, cls.consumer_max_retries),
            consumer_retry_backoff_ms=_int("CONSUMER_RETRY_BACKOFF_MS", service, cls.consumer_retry_backoff_ms),
            consumer_transient_backoff_max_ms=_int("CONSUMER_TRANSIENT_BACKOFF_MAX_MS", service,
                                                   cls.consumer_transient_backoff_max_ms),
            leader_timeout_s=float(_env("LEADER_TIMEOUT_S", service, str(cls.leader_timeout_s))),
            log_level=_env("LOG_LEVEL", service, cls.log_level),
            log_json=_env("LOG_FORMAT", service, "json") == "json",
            metrics_port=_int("METRICS_PORT", service, 0),
            token_private_key=_env("INTERNAL_TOKEN_PRIVATE_KEY", service, ""),
            token_public_keys=_env("INTERNAL_TOKEN_PUBLIC_KEYS", service, ""),
            service_urls=urls,
        )
        return replace(config, **overrides)

    def setting(self, name: str, default: str = "") -> str:
        """A service's own setting: `<SERVICE>_<NAME>` wins over `<NAME>`, read when asked
        (not at start), so one environment serves every process."""
        env = os.environ if self.env is None else self.env
        return env.get(f"{self.service.upper()}_{name}", env.get(name, default))

    def setting_int(self, name: str, default: int) -> int:
        return int(self.setting(name, str(default)))

    def setting_float(self, name: str, default: float) -> float:
        return float(self.setting(name, str(default)))

    @property
    def topic(self) -> str:
        return f"portal.{self.service}.v1"

    @property
    def group_id(self) -> str:
        return f"portal.{self.service}"
