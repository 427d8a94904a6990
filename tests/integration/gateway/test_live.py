"""The live channel's process (`python -m gateway.live`) against the real broker: what each
open page receives, and what it never does. A message on a ticket reaches the contact's and
the staff's pages (each told whether it is their own); an internal note reaches staff and
never a contact; a grant that was forged, altered, expired or names another ticket gets
nothing; one person's open streams are capped; health answers while streams are open."""
from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import pytest

from gateway.live import grants
from tests.helpers.broker import free_port
from tests.helpers.live import LiveProcess, Relay, make_topic
from tests.helpers.sse import open_stream, open_streams

pytestmark = pytest.mark.broker
ORG, OTHER_ORG, TICKET, OTHER_TICKET = "org-1", "org-2", "t-1", "t-2"


@pytest.fixture
def live(broker):
    topic = make_topic(broker.bootstrap)
    process = LiveProcess(broker.bootstrap, topic, LIVE_MAX_STREAMS_PER_PERSON=3).start()
    yield process, Relay(broker.bootstrap, topic)
    process.stop()


def message(seq: int, author_kind: str, author_id: str, body: str) -> dict:
    return {"message_id": f"m-{seq}", "ticket_id": TICKET, "customer_id": "cu-1", "author_kind": author_kind,
            "author_id": author_id, "author_name": "Ann", "body": body, "attachments": 0, "seq": seq}


async def until(check, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)


def test_a_message_reaches_both_sides_and_a_note_only_staff(live):
    process, relay = live

    async def run():
        ann, sam, stranger, other_org = await open_streams([
            process.url(ORG, "ann", "contact", [f"ticket:{TICKET}"]),
            process.url(ORG, "sam", "staff", [f"ticket:{TICKET}"]),
            process.url(ORG, "bob", "contact", [f"ticket:{OTHER_TICKET}"]),
            process.url(OTHER_ORG, "eve", "staff", [f"ticket:{TICKET}"])])
        relay.publish(ORG, "TicketNoteAdded", TICKET, {"note_id": "n-1", "ticket_id": TICKET, "customer_id": "cu-1",
                                                       "author_id": "sam", "author_name": "Sam",
                                                       "body": "internal: refund them"})
        relay.publish(ORG, "TicketMessagePosted", TICKET, message(2, "contact", "ann", "<b>hello</b>"))
        relay.publish(ORG, "TicketStatusChanged", TICKET, {"ticket_id": TICKET, "customer_id": "cu-1",
                                                           "from_status": "open", "to_status": "in_progress"})
        await until(lambda: ann.of("status") and sam.of("status"))
        await asyncio.sleep(0.3)                  # anything else would have come by now
        return ann, sam, stranger, other_org

    ann, sam, stranger, other_org = asyncio.run(run())
    (to_ann,), (to_sam,) = ann.of("message"), sam.of("message")
    assert to_ann["body"] == "<b>hello</b>" and to_ann["seq"] == 2 and to_ann["mine"] is True
    assert "author_id" not in to_ann                                  # contacts never get ids
    assert to_sam["mine"] is False and to_sam["author_id"] == "ann"
    assert sam.of("note")[0]["body"] == "internal: refund them"
    assert ann.of("note") == [] and "refund" not in repr(ann.events)  # never to a contact
    assert sam.of("seen") == [{"seq": 2}] and ann.of("seen") == []    # the contact read up to their message
    assert ann.of("status") == [{"status": "in_progress"}] == sam.of("status")
    assert [k for k, *_ in stranger.events] == ["ready"]               # another ticket: nothing
    assert [k for k, *_ in other_org.events] == ["ready"]              # same ticket id, other org: nothing


def test_a_forged_altered_or_expired_grant_is_refused(live):
    process, _ = live
    good = grants.mint(process.secret, ORG, "bob", "contact", [f"ticket:{OTHER_TICKET}"])
    payload, signature = good.rsplit(".", 1)
    forged = grants.mint("not-the-gateway-secret", ORG, "bob", "contact", [f"ticket:{TICKET}"])
    altered = good.replace(payload.split(".")[0], grants.mint(process.secret, ORG, "bob", "contact",
                                                              [f"ticket:{TICKET}"]).split(".")[0])
    assert altered != good
    for grant in (forged, altered, payload + "." + signature[::-1], "", "garbage"):
        status, body = get(f"{process.base}/live/stream?grant={grant}")
        assert status == 401 and "grant" in body.lower()


def test_a_stream_ends_with_its_grant_and_the_grant_then_opens_nothing(broker):
    """What makes a signed-out person stop receiving: the page must come back to the Flask
    gateway (which checks the session) for a new grant once the old one ends."""
    process = LiveProcess(broker.bootstrap, make_topic(broker.bootstrap), LIVE_GRANT_SECONDS=2).start()
    url = process.url(ORG, "ann", "contact", [f"ticket:{TICKET}"])
    try:
        async def run():
            (listener,) = await open_streams([url])
            await until(lambda: listener.of("expired"), timeout=5)
            await asyncio.sleep(0.2)
            return [k for k, *_ in listener.events], listener.ended.is_set()
        kinds, ended = asyncio.run(run())
        assert kinds == ["ready", "renew", "expired"] and ended
        status, body = get(url)
        assert status == 401 and "expired" in body
    finally:
        process.stop()


def test_one_person_may_hold_only_so_many_streams_and_health_answers_meanwhile(live):
    process, _ = live

    async def run():
        mine = [process.url(ORG, "ann", "contact", [f"ticket:{TICKET}"]) for _ in range(3)]
        held = await open_streams(mine)
        others = await open_streams([process.url(ORG, f"c-{n}", "contact", [f"ticket:{TICKET}"])
                                     for n in range(200)])
        fourth = await open_stream(mine[0])
        loop = asyncio.get_running_loop()
        healthy = await loop.run_in_executor(None, get, f"{process.base}/healthz")
        held[0].close()
        await asyncio.sleep(0.3)
        again = await open_streams(mine[:1])
        for listener in held + others + again + [fourth]:
            listener.close()
        return fourth, healthy, len(again)

    refused, healthy, reopened = asyncio.run(run())
    assert refused.status == 429 and b"application/problem+json" in refused.head
    assert b"at most 3" in refused.body
    assert healthy[0] == 200 and json.loads(healthy[1])["streams"] == 203
    assert reopened == 1                                               # a closed page frees its place


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_metrics_answer_on_their_own_port_too(broker):
    """Kubernetes lets Prometheus in to the metrics port alone (issue 14, case 15)."""
    metrics_port = free_port()
    process = LiveProcess(broker.bootstrap, make_topic(broker.bootstrap), METRICS_PORT=metrics_port).start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as answer:
            shown = answer.read().decode()
        assert answer.status == 200 and "portal_live_" in shown
    finally:
        process.stop()
