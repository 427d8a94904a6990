"""2,000 pages open on one ticket of `make up`'s stack, all live at once: a message posted
on the ticket reaches every one of them, the portal's invoice list still answers while they
are open, and so do the gateway's and the live process's health checks. (How fast is the
bench's business: `python -m tests.bench --only live`.)"""
from __future__ import annotations

import pytest

from tests.e2e.stack import Stack, get
from tests.helpers.live_load import fan_out

PAGES = 2000


@pytest.mark.slow
def test_a_message_reaches_2000_open_pages_while_the_portal_answers(tmp_path):
    # one person holds them all here, so the per-person cap is raised for this run
    stack = Stack(tmp_path / "var", LIVE_MAX_STREAMS_PER_PERSON=str(PAGES + 10))
    stack.start()
    try:
        health = []
        run, _ = fan_out(f"http://localhost:{stack.gateway}", PAGES, messages=2, page_times=3,
                         while_open=lambda: health.extend([
                             get(f"http://127.0.0.1:{stack.gateway}/healthz")[0],
                             get(f"http://127.0.0.1:{stack.live}/healthz")]))
        assert run.reached == [PAGES, PAGES]                      # every page got both messages
        assert len(run.page_ms_open) == 3                         # /invoices answered 200 meanwhile
        assert health[0] == 200 and health[1] == (200, {"status": "ok", "streams": PAGES})
    finally:
        assert stack.stop() == 0
