"""`make up`'s stack, used the way a newcomer would: start it, open the portal in a
real browser, stop it with Ctrl-C, start it again on the same data."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.broker import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _free_block(size: int, start: int = 20000) -> int:
    for base in range(start, 60000, 50):
        try:
            socks = []
            for port in range(base + 1, base + 1 + size):
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                socks.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free block of ports")


class Stack:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.gateway = free_port()
        self.broker = free_port()
        self.smtp = free_port()
        self.mail_web = free_port()
        self.base = _free_block(6)
        self.metrics_base = _free_block(6, start=self.base + 50)
        self.proc: subprocess.Popen | None = None
        self.output: list[str] = []

    def url(self, service: str) -> str:
        index = ["identity", "billing", "orders", "support", "documents", "notifications"].index(service)
        return f"http://127.0.0.1:{self.base + 1 + index}"

    def start(self, timeout: float = 120) -> None:
        env = {**os.environ, "PORTAL_DATA_DIR": str(self.data_dir), "GATEWAY_PORT": str(self.gateway),
               "BROKER_PORT": str(self.broker), "PORT_BASE": str(self.base),
               "METRICS_PORT_BASE": str(self.metrics_base), "SMTP_PORT": str(self.smtp),
               "MAIL_WEB_PORT": str(self.mail_web)}
        self.output = []
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "deploy/local/up.py")], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not any("Customer Portal is up." in line for line in self.output):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("make up did not come up:\n" + "".join(self.output[-40:]))
            time.sleep(0.2)

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.output.append(line)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)          # what Ctrl-C does
        return self.proc.wait(60)


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None


def post(url: str, body: dict):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None


def eventually(check, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.3).close()
        return True
    except OSError:
        return False


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (.ci/run installs it)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()


@pytest.mark.slow
def test_make_up_serves_the_portal_stops_on_ctrl_c_and_restarts_on_its_data(tmp_path, browser):
    stack = Stack(tmp_path / "var")
    stack.start()
    try:
        page = browser.new_page()
        page.goto(f"http://localhost:{stack.gateway}/")
        assert page.locator("h1").inner_text() == "Demo Trading Co"
        _, org = get(stack.url("identity") + "/orgs/by-host/localhost")
        org_id = org["org_id"]
        # identity's events reached billing and notifications through the broker
        assert eventually(lambda: get(stack.url("billing") + f"/orgs/{org_id}")[0] == 200)
        feed = lambda: get(stack.url("notifications") + f"/orgs/{org_id}/activity")[1] or []
        assert eventually(lambda: len(feed()) == 2)
        assert sorted(a["type"] for a in feed()) == ["CustomerCreated", "OrganizationCreated"]
        # a mail queued with notifications lands in the local catcher, readable in a browser
        queued = post(stack.url("notifications") + f"/orgs/{org_id}/emails", {
            "kind": "document_shared", "to": "buyer@acme.example", "idempotency_key": "e2e-1",
            "variables": {"document_name": "Price list", "link": "http://localhost/d/1"}})
        assert queued[0] == 202
        caught = lambda: get(f"http://127.0.0.1:{stack.mail_web}/api/messages")[1] or []
        assert eventually(lambda: len(caught()) == 1)
        page.goto(f"http://localhost:{stack.mail_web}/")
        assert "Demo Trading Co shared Price list with you" in page.content()
    finally:
        code = stack.stop()
    assert code == 0
    assert not port_open(stack.gateway) and not port_open(stack.broker)

    stack.start()                                   # a second `make up` reuses var/
    try:
        _, customers = get(stack.url("identity") + f"/orgs/{org_id}/customers")
        assert len(customers) == 1                  # the demo data was not seeded twice
        page = browser.new_page()
        page.goto(f"http://localhost:{stack.gateway}/")
        assert page.locator("h1").inner_text() == "Demo Trading Co"
        # the new broker started empty: the relays republished, consumers deduped
        assert eventually(lambda: get(stack.url("billing") + f"/orgs/{org_id}")[0] == 200)
        time.sleep(3)
        assert len(feed()) == 2
        assert len(caught()) == 1                   # the mail was not sent again
    finally:
        assert stack.stop() == 0
