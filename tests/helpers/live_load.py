"""Many pages open on one ticket of `make up`'s stack, for the 2,000-streams test and the
bench's `live` part: the demo contact signs in over plain HTTP, raises a ticket, and its
page's stream URL (with the grant the portal signed) is opened N times; then messages are
posted and each stream notes when each one arrived. A normal page is timed meanwhile."""
from __future__ import annotations

import asyncio
import html
import re
import time
from dataclasses import dataclass, field

import requests

from tests.helpers.sse import open_streams

CONTACT = ("buyer@acme.example", "demo buyer passphrase")
GAP_S = 0.5            # between two messages: a lively chat, and each one is timed on its own


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


class Person:
    """A signed-in contact of the portal, over HTTP, as a browser without JavaScript."""

    def __init__(self, base: str, login: tuple[str, str] = CONTACT):
        self.base = base
        self.http = requests.Session()
        page = self.http.get(base + "/signin").text
        answer = self.http.post(base + "/signin", data={"email": login[0], "password": login[1],
                                                        "csrf_token": _csrf(page)}, allow_redirects=False)
        assert answer.status_code in (302, 303), answer.text[:300]

    def raise_ticket(self, subject: str) -> tuple[str, str]:
        """The new ticket's id and its page's live stream URL."""
        form = self.http.get(self.base + "/tickets/new").text
        answer = self.http.post(self.base + "/tickets/new", data={
            "subject": subject, "description": "Opened by the live load.", "priority": "normal",
            "category": "", "csrf_token": _csrf(form)}, allow_redirects=False)
        assert answer.status_code == 302, answer.text[:300]
        ticket_id = answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        page = self.http.get(self.base + f"/tickets/{ticket_id}").text
        self.csrf = _csrf(page)
        return ticket_id, html.unescape(re.search(r'data-stream-url="([^"]+)"', page).group(1))

    def post(self, ticket_id: str, body: str) -> dict:
        answer = self.http.post(self.base + f"/tickets/{ticket_id}/messages",
                                data={"body": body, "csrf_token": self.csrf},
                                headers={"X-Requested-With": "fetch", "Accept": "application/json"})
        assert answer.status_code == 200, answer.text[:300]
        return answer.json()["message"]

    def page_ms(self, path: str = "/invoices", times: int = 20) -> list[float]:
        took = []
        for _ in range(times):
            started = time.perf_counter()
            assert self.http.get(self.base + path).status_code == 200
            took.append((time.perf_counter() - started) * 1000)
        return took


@dataclass
class Run:
    streams: int
    delays_ms: list[float] = field(default_factory=list)     # posted_at (before commit) -> arrival
    reached: list[int] = field(default_factory=list)         # per message: how many streams got it
    page_ms_open: list[float] = field(default_factory=list)
    open_s: float = 0.0


def posted_epoch(posted_at: str) -> float:
    from datetime import datetime
    return datetime.fromisoformat(posted_at).timestamp()


async def _run(person: Person, ticket_id: str, url: str, n: int, messages: int, page_times: int,
               while_open) -> Run:
    run = Run(streams=n)
    started = time.monotonic()
    listeners = await open_streams([url] * n)
    run.open_s = time.monotonic() - started
    loop = asyncio.get_running_loop()
    run.page_ms_open = await loop.run_in_executor(None, person.page_ms, "/invoices", page_times)
    if while_open:
        await loop.run_in_executor(None, while_open)
    posted = []
    for i in range(messages):
        posted.append(await loop.run_in_executor(None, person.post, ticket_id, f"live load {i}"))
        await asyncio.sleep(GAP_S)
    seqs = {m["seq"]: posted_epoch(m["posted_at"]) for m in posted}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(
            len(listener.of("message")) < messages for listener in listeners):
        await asyncio.sleep(0.1)
    for seq, at in seqs.items():
        got = [t for listener in listeners for kind, data, t in listener.events
               if kind == "message" and data["seq"] == seq]
        run.reached.append(len(got))
        run.delays_ms.extend((t - at) * 1000 for t in got)
    for listener in listeners:
        listener.close()
    return run


def fan_out(base: str, n: int, messages: int = 5, page_times: int = 20,
            while_open=None) -> tuple[Run, list[float]]:
    """Open n streams on a new ticket, post `messages`; also a page's latency without streams.
    `while_open()` is called (in a thread) while the streams are open."""
    person = Person(base)
    ticket_id, url = person.raise_ticket(f"Live load, {n} pages")
    page_ms_closed = person.page_ms("/invoices", page_times)
    return asyncio.run(_run(person, ticket_id, url, n, messages, page_times, while_open)), page_ms_closed
