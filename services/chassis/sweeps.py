"""A worker's periodic sweep: run a job every so often until the worker stops. A failing run
(the database away for a moment) is logged and tried again at the next tick; the job
answers how many things it did, logged when it did any."""
from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)


def every(interval_s: float, job: Callable[[], int], stop: threading.Event, what: str) -> None:
    while not stop.wait(interval_s):
        try:
            count = job()
        except Exception:  # noqa: BLE001 - try again at the next tick
            log.exception("%s failed", what)
            continue
        if count:
            log.info("%s: %d", what, count)
