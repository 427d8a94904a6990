"""A ticket's conversation, live: Server-Sent Events from the gateway to the browser, fed by
support's long poll. Used by the portal (portal/tickets.py) and the console
(console/tickets.py); static/chat.js is the browser's side.

One stream lasts at most STREAM_S seconds, then ends; the browser's EventSource reconnects
by itself, sending the last message's `seq` as Last-Event-ID, and the gateway checks the
session again on every reconnect (a signed-out or revoked person stops receiving within
that time). Each open stream holds one gateway thread (gunicorn gthread): size WEB_THREADS
for the chats you expect at once.

Events: `message` (data: the message as JSON: seq, author_kind, author_name, body,
posted_at, mine; the page builds it with textContent, so no text is ever run as HTML),
`seen` (data: how far the other side has read), `status` (the ticket's status). Messages
come in `seq` order, the order support gave them, so both sides show the same order.
"""
from __future__ import annotations

import json
import time

from flask import Response, current_app, request, stream_with_context

from gateway.clients.base import ServiceProblem, ServiceUnavailable
from gateway.clients.support import SupportClient

STREAM_S = 25.0          # one stream's life, then the browser reconnects (config CHAT_STREAM_SECONDS)
POLL_S = 10.0            # each long poll to support
RETRY_MS = 1000          # how soon the browser reconnects


def _after() -> int:
    raw = request.headers.get("Last-Event-ID") or request.args.get("after") or "0"
    return int(raw) if raw.isdigit() else 0


def _event(kind: str, data, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def stream(client: SupportClient, ticket_id: str) -> Response:
    after = _after()
    life = float(current_app.config.get("CHAT_STREAM_SECONDS", STREAM_S))
    found = client.wait_for_messages(ticket_id, after, 0)   # 404 now, before the stream starts, if not theirs

    def events():
        nonlocal after, found
        yield f"retry: {RETRY_MS}\n\n"
        ends = time.monotonic() + life
        seen = status = None
        while True:
            for message in found["items"]:
                after = message["seq"]
                yield _event("message", {k: message.get(k) for k in
                                         ("seq", "author_kind", "author_name", "body", "posted_at", "mine")}, after)
            if found["seen_by_other_side"] != seen:
                seen = found["seen_by_other_side"]
                yield _event("seen", seen)
            if found["status"] != status:
                status = found["status"]
                yield _event("status", status)
            if time.monotonic() >= ends:
                return
            try:
                found = client.wait_for_messages(ticket_id, after, min(POLL_S, max(ends - time.monotonic(), 0.1)))
            except (ServiceUnavailable, ServiceProblem):
                return                                   # the browser reconnects and tries again

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return Response(stream_with_context(events()), mimetype="text/event-stream", headers=headers)
