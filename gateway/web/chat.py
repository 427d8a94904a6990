"""A ticket's conversation, live, through the live channel (gateway/live): the Flask
gateway decides who may follow which ticket and signs a short-lived grant for it; the live
process holds the stream. Used by the portal (portal/tickets.py) and the console
(console/tickets.py); static/chat.js is the browser's side.

The page carries `stream_url` (the live process's stream with a grant for `ticket:<id>`).
When the stream opens (its `ready` event) and whenever it reopens, the page calls the
ticket's `/live?after=<last seq>` here: support says what came after (messages, how far the
other side has read, the status) and the answer brings a fresh `stream_url`. So nothing
posted while a page was away is lost, and the session is checked again at least every
LIVE_GRANT_SECONDS (a signed-out or revoked person stops receiving within that time).

Events on the stream: `message` (seq, author_kind, author_name, body, posted_at, mine; the
page builds it with textContent, so no text is ever run as HTML), `seen` (how far the other
side has read), `status` (the ticket's status), staff only: `note`. Messages carry their
`seq`; the page keeps them in that order and shows each once.
"""
from __future__ import annotations

from flask import current_app, jsonify, request

from gateway.clients.support import SupportClient
from gateway.live import grants
from gateway.web.context import org_id, principal, request_host

MESSAGE_FIELDS = ("seq", "author_kind", "author_name", "body", "posted_at", "mine")


def stream_url(topics: list[str]) -> str:
    """Where this page's browser opens its live stream, with a grant for `topics`."""
    person = principal()
    grant = grants.mint(current_app.config["SECRET_KEY"], org_id(), person["id"], person["kind"], topics)
    base = current_app.config["LIVE_PUBLIC_URL"].format(host=request_host())
    return f"{base}/live/stream?grant={grant}"


def ticket_stream_url(ticket_id: str) -> str:
    return stream_url([f"ticket:{ticket_id}"])


def catch_up(client: SupportClient, ticket_id: str):
    """What the page missed after `after`, and a fresh stream URL (404 if not theirs)."""
    raw = request.args.get("after") or "0"
    found = client.since(ticket_id, int(raw) if raw.isdigit() else 0)
    return jsonify(items=[{k: m.get(k) for k in MESSAGE_FIELDS} for m in found["items"]],
                   seen=found["seen_by_other_side"], status=found["status"],
                   stream_url=ticket_stream_url(ticket_id))
