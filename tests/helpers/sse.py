"""Many Server-Sent Events streams from one asyncio loop, for the live channel's tests and
the bench: open N streams, wait until each has said `ready`, then collect what each receives
with the time it arrived. A bare asyncio Protocol speaking HTTP/1.1 (chunked), because a
full HTTP client spends more CPU per event than the server does, and the bench would then
measure its own client."""
from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlsplit


def parse(block: bytes) -> tuple[str, object] | None:
    kind = data = None
    for line in block.split(b"\n"):
        if line.startswith(b"event: "):
            kind = line[7:].decode()
        elif line.startswith(b"data: "):
            data = json.loads(line[6:])
    return (kind, data) if kind else None


class Listener(asyncio.Protocol):
    """One open stream: `events` is [(kind, data, arrival time: seconds since the epoch)]."""

    def __init__(self, request: bytes):
        self.request = request
        self.events: list[tuple[str, object, float]] = []
        self.status: int | None = None
        self.head = b""                  # the status line and headers
        self.body = b""                  # a refusal's body
        self.ready = asyncio.Event()     # `ready` came, or a refusal, or the end
        self.ended = asyncio.Event()
        self._raw = b""
        self._text = b""
        self._head = True
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self._raw += data
        if self._head:
            if b"\r\n\r\n" not in self._raw:
                return
            head, self._raw = self._raw.split(b"\r\n\r\n", 1)
            self.head, self.status, self._head = head, int(head.split(b" ", 2)[1]), False
        if self.status != 200:
            self.body += self._raw
            self._raw = b""
            self.ready.set()
            return
        while True:                                            # chunked: "<hex size>\r\n<data>\r\n"
            line_end = self._raw.find(b"\r\n")
            if line_end < 0:
                break
            size = int(self._raw[:line_end], 16)
            if size == 0:                                      # the last chunk: the stream ended
                self.ended.set()
                break
            if len(self._raw) < line_end + 2 + size + 2:
                break
            self._text += self._raw[line_end + 2:line_end + 2 + size]
            self._raw = self._raw[line_end + 4 + size:]
        *blocks, self._text = self._text.split(b"\n\n")
        for block in blocks:
            found = parse(block)
            if found:
                self.events.append((*found, now))
                if found[0] == "ready":
                    self.ready.set()

    def connection_lost(self, exc) -> None:
        self.ready.set()
        self.ended.set()

    def of(self, kind: str) -> list:
        return [data for k, data, _ in self.events if k == kind]

    def close(self) -> None:
        if self.transport:
            self.transport.close()


async def open_stream(url: str, timeout: float = 60) -> Listener:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    request = (f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: text/event-stream\r\n"
               f"Cache-Control: no-cache\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    _, listener = await asyncio.wait_for(
        loop.create_connection(lambda: Listener(request), parts.hostname, parts.port or 80), timeout)
    await asyncio.wait_for(listener.ready.wait(), timeout)
    return listener


async def open_streams(urls: list[str], timeout: float = 60, batch: int = 200) -> list[Listener]:
    """Open every URL (in batches, so the listen backlog is never flooded) and wait until
    each stream has said `ready`. A refused one raises with its status and body."""
    listeners: list[Listener] = []
    for start in range(0, len(urls), batch):
        listeners.extend(await asyncio.gather(*(open_stream(u, timeout) for u in urls[start:start + batch])))
    for listener in listeners:
        if listener.status != 200:
            raise AssertionError(f"stream refused: {listener.status} {listener.body[:300]!r}")
    return listeners
