"""The event envelope as it is stored and published (see contracts/envelope.py)."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from services.chassis import context


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Event:
    type: str
    org_id: str
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    data: dict
    schema_version: int = 1
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: str = field(default_factory=utc_now)
    actor: dict = field(default_factory=lambda: context.current().actor)
    correlation_id: str = field(default_factory=lambda: context.current().correlation_id)
    causation_id: str | None = field(default_factory=lambda: context.current().causation_id)

    def envelope(self) -> dict:
        """The fields as a dict. `data` and `actor` are the event's own, not copies (a deep
        copy per event was most of the relay's time): read them, never change them."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def to_json(self) -> bytes:
        return json.dumps(self.envelope(), separators=(",", ":")).encode()

    @classmethod
    def from_envelope(cls, envelope: dict) -> "Event":
        return cls(**{k: envelope[k] for k in cls.__dataclass_fields__ if k in envelope})

    @classmethod
    def from_row(cls, row) -> "Event":
        meta = row.meta or {}
        return cls(
            event_id=row.event_id, type=row.type, schema_version=row.schema_version,
            org_id=row.org_id, aggregate_type=row.stream_type, aggregate_id=row.stream_id,
            aggregate_version=row.version, occurred_at=row.occurred_at, data=row.data,
            actor=meta.get("actor", {"kind": "system", "id": None}),
            correlation_id=meta.get("correlation_id", ""), causation_id=meta.get("causation_id"),
        )
