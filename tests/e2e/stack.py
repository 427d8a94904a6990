"""`make up`'s stack for end-to-end tests: started on free ports in a folder of the test's,
stopped the way a person stops it (Ctrl-C)."""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from services.chassis import auth

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


# Ports below the kernel's range for outgoing connections (32768-60999 here): a port found
# free there can be taken by some outgoing connection before the stack binds it ("Address
# already in use", a stack that did not come up); below it, only a listener takes a port.
LOW, HIGH = 20000, 32000


def _free_block(size: int, start: int = LOW) -> int:
    """The first `base` from `start` (wrapping round within LOW..HIGH) whose base+1 .. base+size are free."""
    for base in [*range(start, HIGH, 50), *range(LOW, start, 50)]:
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
    def __init__(self, data_dir: Path, **env: str):
        """`env`: settings for every process of the stack (e.g. LIVE_MAX_STREAMS_PER_PERSON)."""
        self.data_dir = data_dir
        self.env = env
        # a random place to start looking, so that two stacks starting at once (pytest -n 2)
        # do not both find the same block free: the six services, then the stack's own ports
        self.base = _free_block(11, start=LOW + 50 * random.randrange((HIGH - LOW) // 50))
        self.gateway, self.live, self.broker, self.smtp, self.mail_web = range(self.base + 7, self.base + 12)
        self.metrics_base = _free_block(6, start=self.base + 50 if self.base + 50 < HIGH else LOW)
        self.proc: subprocess.Popen | None = None
        self.output: list[str] = []

    def url(self, service: str) -> str:
        index = ["identity", "billing", "orders", "support", "documents", "notifications"].index(service)
        return f"http://127.0.0.1:{self.base + 1 + index}"

    def start(self, timeout: float = 120) -> None:
        env = {**os.environ, "PORTAL_DATA_DIR": str(self.data_dir), "GATEWAY_PORT": str(self.gateway),
               "LIVE_PORT": str(self.live),
               "BROKER_PORT": str(self.broker), "PORT_BASE": str(self.base),
               "METRICS_PORT_BASE": str(self.metrics_base), "SMTP_PORT": str(self.smtp),
               "MAIL_WEB_PORT": str(self.mail_web), **self.env}
        self.output = []
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "deploy/local/up.py")], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while not any("Customer Portal is up." in line for line in self.output):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("make up did not come up:\n" + self._why())
            time.sleep(0.2)

    def operator(self) -> dict:
        """The operator's token, signed with the key make up keeps in its data folder."""
        key = (self.data_dir / "internal_token_key.pem").read_text()
        return {"Authorization": f"Bearer {auth.system_token(key)}"}

    def _why(self) -> str:
        """What to show when the stack did not come up: its own last words (up.py says why it
        gave up as it exits, after the processes' shutdown lines), the first process that
        stopped, any traceback, and the tail."""
        self._reader.join(timeout=10)
        said = [line for line in self.output if any(word in line for word in (
            "did not become ready", "could not seed", "Traceback", "Error", "stopped (rc="))]
        return "".join(said[:20]) + "--- last lines ---\n" + "".join(self.output[-40:])

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.output.append(line)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)          # what Ctrl-C does
        return self.proc.wait(60)


def get(url: str, headers: dict | None = None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None


def post(url: str, body: dict, headers: dict | None = None):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
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
