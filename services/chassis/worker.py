"""The worker process of a service: the outbox relay (a thread) and the event
consumer (the main thread). SIGTERM or SIGINT: stop taking work, flush the
producer, commit offsets, leave the group, within Kubernetes' grace period."""
from __future__ import annotations

import logging
import signal
import threading

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
    loops = [threading.Thread(target=loop, args=(rt, stop), name=loop.__name__, daemon=True)
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
