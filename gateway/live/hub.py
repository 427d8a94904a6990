"""The open streams, by topic, in memory, and the per-person cap. Everything here runs on
the event loop's thread (the feed hands updates over with call_soon_threadsafe), so no
locks. A page too slow to take its updates is dropped: it reconnects and catches up
through the Flask gateway, which is cheaper than buffering without end."""
from __future__ import annotations

import asyncio
import json
from collections import defaultdict

from gateway.live.events import Update, for_viewer
from gateway.live.grants import Grant

BACKLOG = 256          # updates waiting for one slow page before it is dropped


class TooManyStreams(Exception):
    pass


class Stream:
    def __init__(self, grant: Grant):
        self.grant = grant
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    def push(self, chunk: bytes | None) -> None:
        if self.queue.qsize() >= BACKLOG:
            chunk = None                    # ends the stream
        self.queue.put_nowait(chunk)


def sse(kind: str, data, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


class Hub:
    def __init__(self, max_per_person: int):
        self.max_per_person = max_per_person
        self.by_key: dict[str, set[Stream]] = defaultdict(set)
        self.per_person: dict[str, int] = defaultdict(int)
        self.open_streams = 0
        self.delivered = 0

    def open(self, grant: Grant) -> Stream:
        if self.per_person[grant.person] >= self.max_per_person:
            raise TooManyStreams(grant.person)
        stream = Stream(grant)
        self.per_person[grant.person] += 1
        self.open_streams += 1
        for topic in grant.topics:
            self.by_key[f"{grant.org}/{topic}"].add(stream)
        return stream

    def close(self, stream: Stream) -> None:
        grant = stream.grant
        for topic in grant.topics:
            key = f"{grant.org}/{topic}"
            self.by_key[key].discard(stream)
            if not self.by_key[key]:
                del self.by_key[key]
        self.per_person[grant.person] -= 1
        if not self.per_person[grant.person]:
            del self.per_person[grant.person]
        self.open_streams -= 1

    def publish(self, updates: list[Update]) -> None:
        for update in updates:
            encoded: dict[tuple, bytes] = {}          # one encoding per distinct view of it
            for stream in tuple(self.by_key.get(update.key, ())):
                data = for_viewer(update, stream.grant.side, stream.grant.principal)
                if data is None:
                    continue
                view = (stream.grant.side, data.get("mine"))
                if view not in encoded:
                    encoded[view] = sse(update.kind, data, update.event_id)
                stream.push(encoded[view])
                self.delivered += 1
