"""A clock for tests of what billing dates (issue dates, event times): every service stamps
its events with services.chassis.events.utc_now, which this moves to the day a test acts on."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from services.chassis import events as chassis_events


class Clock:
    """utc_now() answers noon (UTC) of the day set, a microsecond later at each call, so the
    order of what happens on one day is the order it was done in. Undone with `monkeypatch`."""

    def __init__(self, monkeypatch):
        self.moment = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)
        clock = self

        class Frozen(datetime):
            @classmethod
            def now(cls, tz=None):
                clock.moment += timedelta(microseconds=1)
                return clock.moment

        monkeypatch.setattr(chassis_events, "datetime", Frozen)

    def on(self, day: str) -> None:
        self.moment = datetime.fromisoformat(day).replace(hour=12, tzinfo=timezone.utc)
