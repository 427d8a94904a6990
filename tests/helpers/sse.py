"""Many Server-Sent Events streams from one asyncio loop (aiohttp's client), for the live
channel's tests and the bench: open N streams, wait until each has said `ready`, then
collect what each receives with the time it arrived."""
from __future__ import annotations

import asyncio
import json
import time

import aiohttp


def parse(block: str) -> tuple[str, object] | None:
    kind = data = None
    for line in block.split("\n"):
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
    return (kind, data) if kind else None


class Listener:
    """One open stream: `events` is [(kind, data, arrived monotonic time)]."""

    def __init__(self, response: aiohttp.ClientResponse):
        self.response = response
        self.events: list[tuple[str, object, float]] = []
        self.ready = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        buffer = ""
        try:
            async for chunk in self.response.content.iter_any():
                buffer += chunk.decode()
                while "\n\n" in buffer:
                    block, buffer = buffer.split("\n\n", 1)
                    found = parse(block)
                    if found:
                        self.events.append((*found, time.monotonic()))
                        if found[0] == "ready":
                            self.ready.set()
        except (aiohttp.ClientError, asyncio.CancelledError):
            pass

    def of(self, kind: str) -> list:
        return [data for k, data, _ in self.events if k == kind]

    def close(self) -> None:
        self.task.cancel()
        self.response.close()


async def open_streams(session: aiohttp.ClientSession, urls: list[str], timeout: float = 60,
                       batch: int = 200) -> list[Listener]:
    """Open every URL (in batches, so the listen backlog is never flooded) and wait until
    each stream has said `ready`. A refused one raises with its status."""
    listeners: list[Listener] = []

    async def one(url: str) -> Listener:
        response = await session.get(url, timeout=aiohttp.ClientTimeout(total=None, sock_connect=timeout))
        if response.status != 200:
            body = await response.text()
            response.close()
            raise AssertionError(f"stream refused: {response.status} {body}")
        listener = Listener(response)
        await asyncio.wait_for(listener.ready.wait(), timeout)
        return listener

    for start in range(0, len(urls), batch):
        listeners.extend(await asyncio.gather(*(one(u) for u in urls[start:start + batch])))
    return listeners


def many_connections() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=True))
