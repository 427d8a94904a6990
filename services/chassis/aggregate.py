"""Aggregate base: pure Python, no I/O. Commands call methods that check the
invariants and `record` events; state is only ever changed by applying events,
so loading an aggregate is folding its stream."""
from __future__ import annotations

from typing import Iterable

from services.chassis.events import Event


class Aggregate:
    aggregate_type: str = "Aggregate"

    def __init__(self, aggregate_id: str, org_id: str):
        self.id = aggregate_id
        self.org_id = org_id
        self.version = 0
        self.pending: list[Event] = []

    @classmethod
    def from_events(cls, events: Iterable[Event]):
        agg = None
        for event in events:
            if agg is None:
                agg = cls(event.aggregate_id, event.org_id)
            agg._apply(event)
            agg.version = event.aggregate_version
        return agg

    @property
    def committed_version(self) -> int:
        """The version the store must hold for our pending events to append."""
        return self.version - len(self.pending)

    def record(self, event_type: str, data: dict) -> Event:
        event = Event(type=event_type, org_id=self.org_id, aggregate_type=self.aggregate_type,
                      aggregate_id=self.id, aggregate_version=self.version + 1, data=data)
        self._apply(event)
        self.version += 1
        self.pending.append(event)
        return event

    def _apply(self, event: Event) -> None:
        handler = getattr(self, f"when_{event.type}", None)
        if handler is not None:
            handler(event.data)
