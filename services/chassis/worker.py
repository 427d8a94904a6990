"""The worker process of a service: the outbox relay (a thread) and the event
consumer (the main thread). SIGTERM or SIGINT: stop taking work, flush the
producer, commit offsets, leave the group, within Kubernetes' grace period."""
from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Callable

from prometheus_client import start_http_server

from services.chassis import logs
from services.chassis.consumer import ConsumerRunner
from services.chassis.relay import OutboxRelay
from services.chassis.runtime import Runtime

log = logging.getLogger(__name__)


def run_worker(rt: Runtime, stop: threading.Event | None = None) -> None:
    logs.configure(rt.spec.name, rt.config.log_level, rt.config.log_json)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    if rt.config.metrics_port:
        start_http_server(rt.config.metrics_port)
    relay = OutboxRelay(rt.engine, rt.config)
    rt.store.on_commit.append(relay.waker.poke)
    relay_thread = threading.Thread(target=relay.run, args=(stop,), name="relay", daemon=True)
    relay_thread.start()
    loops = [threading.Thread(target=keep_running, args=(loop, rt, stop), name=loop.__name__, daemon=True)
             for loop in rt.spec.background()]
    [t.start() for t in loops]
    consumer = ConsumerRunner(rt.store, rt.config, rt.spec.subscriptions())
    try:
        consumer.run(stop)
        stop.wait()
    finally:
        stop.set()
        relay_thread.join(20)
        for t in loops:
            t.join(10)
        log.info("worker stopped")


def keep_running(loop: Callable, rt: Runtime, stop: threading.Event, backoff_max_s: float = 30.0) -> None:
    """Runs a background loop (rt.spec.background(): sending mail, delivering webhooks ...)
    until stop is set. One that raises (its database restarted under it), or returns before
    stop (it lost its leadership), is started again after a capped backoff: a loop's thread
    that simply ended would leave the process up, so no supervisor would ever restart it,
    and its work would wait for ever (issue 14: mail stayed unsent after a PostgreSQL restart)."""
    first = delay = min(1.0, backoff_max_s)
    while not stop.is_set():
        began = time.monotonic()
        try:
            loop(rt, stop)
            if stop.is_set():
                return
            log.info("background loop %s stood down; starting it again in %.0f s", loop.__name__, delay)
        except Exception:  # noqa: BLE001 - whatever it was, the loop's work must go on
            log.exception("background loop %s failed; starting it again in %.0f s", loop.__name__, delay)
        if time.monotonic() - began > 5 * backoff_max_s:      # it had been running well: a new incident
            delay = first
        stop.wait(delay)
        delay = min(delay * 2, backoff_max_s)
