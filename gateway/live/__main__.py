"""`python -m gateway.live`: the live process (see gateway/live/__init__.py)."""
from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from gateway.live.config import LiveSettings
from gateway.live.feed import Feed
from gateway.live.server import HUB, READY, create_app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s live %(levelname)s %(message)s")
    settings = LiveSettings.from_env()
    if not settings.secret:
        raise SystemExit("GATEWAY_SECRET_KEY is not set: the live process checks the gateway's grants with it")
    app = create_app(settings)

    async def feed_on(app: web.Application):
        loop = asyncio.get_running_loop()
        feed = Feed(settings, deliver=lambda found: loop.call_soon_threadsafe(app[HUB].publish, found),
                    on_ready=lambda: loop.call_soon_threadsafe(app[READY].set),
                    event_age=app[HUB].metrics.event_age)
        feed.start()
        yield
        await loop.run_in_executor(None, feed.stop)

    app.cleanup_ctx.append(feed_on)
    web.run_app(app, host=settings.host, port=settings.port, access_log=None, backlog=4096,
                shutdown_timeout=5, print=None,
               handler_cancellation=True)     # a page that goes away frees its place at once


if __name__ == "__main__":
    main()
