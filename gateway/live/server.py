"""The live process's HTTP side (aiohttp): GET /live/stream?grant=… answers a Server-Sent
Events stream of the grant's topics until the grant runs out; /healthz and /readyz answer
however many streams are open (nothing here blocks the loop); /metrics for Prometheus.

A stream starts with `event: ready` once this process receives events, so the page then
fetches what it missed through the Flask gateway (nothing is lost between the page's render
and the stream). A little before the grant ends it sends `event: renew`: the page gets a new
grant from the gateway and opens the next stream, then closes this one (no gap); at the end
`event: expired` closes it. Refusals are problem+json: 401 (no, forged, altered or expired
grant), 429 (the person's cap of open streams), 503 (not receiving events yet)."""
from __future__ import annotations

import asyncio
import json
import time

from aiohttp import HttpVersion11, web

from gateway.live.config import LiveSettings
from gateway.live.grants import GrantRefused, check
from gateway.live.hub import Hub, TooManyStreams, sse

SETTINGS = web.AppKey("settings", LiveSettings)
HUB = web.AppKey("hub", Hub)
READY = web.AppKey("ready", asyncio.Event)
READY_WAIT_S = 10.0
RENEW_BEFORE_S = 15.0      # `renew` this long before the grant ends: the page opens the next stream
MAX_BUFFERED = 256 * 1024  # bytes a page's connection may hold unsent before it is dropped
RETRY_MS = 1000


def problem(status: int, title: str, detail: str, headers: dict | None = None) -> web.Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return web.Response(status=status, text=json.dumps(body), content_type="application/problem+json",
                        headers=headers)


def _cors(request: web.Request) -> dict:
    allowed = request.app[SETTINGS].allow_origin
    return {"Access-Control-Allow-Origin": allowed} if allowed else {}


def _sender(request: web.Request, response: web.StreamResponse):
    """Bytes for the page, written straight to its connection (chunk-framed as aiohttp's
    own writes are), so a publish reaches every page in one synchronous pass. A page whose
    connection cannot take more (MAX_BUFFERED unsent) is closed: it reconnects and catches up.
    Until `start()` (the `ready` event is out through aiohttp), what comes is kept."""
    early: list[bytes] | None = []
    transport = request.transport

    def send(payload: bytes) -> None:
        if early is not None:
            early.append(payload)
        elif transport is None or transport.is_closing():
            return
        elif transport.get_write_buffer_size() > MAX_BUFFERED:
            transport.close()
        else:
            transport.write(b"%x\r\n%b\r\n" % (len(payload), payload) if response.chunked else payload)

    def start() -> None:
        nonlocal early
        waiting, early = b"".join(early), None
        if waiting:
            send(waiting)
    return send, start


async def stream(request: web.Request) -> web.StreamResponse:
    settings, hub = request.app[SETTINGS], request.app[HUB]
    try:
        grant = check(settings.secret, request.query.get("grant", ""), settings.grant_seconds)
    except GrantRefused:
        return problem(401, "Grant refused", "This page's live grant is not valid or has expired; "
                       "the page asks the portal for a new one.", _cors(request))
    try:
        await asyncio.wait_for(request.app[READY].wait(), READY_WAIT_S)
    except asyncio.TimeoutError:
        return problem(503, "Not ready", "Live updates are starting; try again in a moment.", _cors(request))
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                           "X-Accel-Buffering": "no", **_cors(request)})
    if request.version >= HttpVersion11:
        response.enable_chunked_encoding()            # what _sender frames by hand too
    response.force_close()                            # a stream's connection ends with it
    send, start = _sender(request, response)
    try:
        subscription = hub.open(grant, send)          # subscribed before `ready` goes out
    except TooManyStreams:
        return problem(429, "Too many live pages", f"One person may follow at most {hub.max_per_person} "
                       "live pages at once; close some and reload.", _cors(request))
    try:
        await response.prepare(request)
        await response.write(f"retry: {RETRY_MS}\n\n".encode() + sse("ready", {}))
        start()
        ends = grant.issued_at + settings.grant_seconds
        await asyncio.sleep(max(ends - min(RENEW_BEFORE_S, settings.grant_seconds / 4) - time.time(), 0))
        send(sse("renew", {}))
        await asyncio.sleep(max(ends - time.time(), 0))
        send(sse("expired", {}))
    except ConnectionResetError:
        pass
    finally:                                           # also when the page goes away (cancelled)
        hub.close(subscription)
    return response


async def heartbeats(app: web.Application):
    """One task sends every page its heartbeat, instead of a timer per page."""
    async def beat():
        while True:
            await asyncio.sleep(app[SETTINGS].heartbeat_seconds)
            app[HUB].heartbeat()
    task = asyncio.get_running_loop().create_task(beat())
    yield
    task.cancel()


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "streams": request.app[HUB].open_streams})


async def readyz(request: web.Request) -> web.Response:
    ready = request.app[READY].is_set()
    return web.json_response({"status": "ready" if ready else "starting"}, status=200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    return web.Response(body=hub.metrics.text(hub.open_streams), content_type="text/plain")


async def metrics_port(app: web.Application):
    """/metrics on its own port as well (METRICS_PORT), so that the network policy lets
    Prometheus in there and nowhere near the streams."""
    port = app[SETTINGS].metrics_port
    if not port:
        yield
        return
    side = web.Application()
    side[HUB] = app[HUB]
    side.router.add_get("/metrics", metrics)
    runner = web.AppRunner(side, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, app[SETTINGS].host, port).start()
    yield
    await runner.cleanup()


def create_app(settings: LiveSettings) -> web.Application:
    app = web.Application()
    app[SETTINGS] = settings
    app[HUB] = Hub(settings.max_streams_per_person)
    app[READY] = asyncio.Event()
    app.cleanup_ctx.append(heartbeats)
    app.cleanup_ctx.append(metrics_port)
    app.router.add_get("/live/stream", stream)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app
