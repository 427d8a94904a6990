"""A worker's background loop (sending mail, delivering webhooks) that fails or stands down
is started again: its thread ending would leave the process up and the work undone for good
(issue 14: after a PostgreSQL restart the mail sender was gone and receipts stayed pending)."""
import threading

from services.chassis.worker import keep_running


def test_a_loop_that_raises_is_started_again_until_stop():
    stop, runs = threading.Event(), []

    def loop(rt, stop):
        runs.append(rt)
        if len(runs) < 3:
            raise ConnectionError("the database restarted")
        stop.set()

    keep_running(loop, "rt", stop, backoff_max_s=0.01)
    assert runs == ["rt", "rt", "rt"]


def test_a_loop_that_returns_before_stop_is_started_again():
    stop, runs = threading.Event(), []

    def loop(rt, stop):                      # it lost its leadership and stood down
        runs.append(1)
        if len(runs) == 2:
            stop.set()

    keep_running(loop, None, stop, backoff_max_s=0.01)
    assert len(runs) == 2


def test_a_stopped_worker_does_not_start_it_again():
    stop, runs = threading.Event(), []

    def loop(rt, stop):
        runs.append(1)
        stop.set()
        raise RuntimeError("failed while stopping")

    keep_running(loop, None, stop, backoff_max_s=0.01)
    assert runs == [1]
