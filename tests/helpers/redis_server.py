"""A Redis server of a test's own (Debian's redis-server, on a free port, keeping nothing on
disk), for what the gateway shares between its processes: the rate limits' counts. A test may
stop and start it to see what the gateway does while its store is down."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.helpers.broker import free_port, wait_for_port


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def require_redis_server() -> None:
    """Skip where Debian's redis-server is not installed, except in CI, where its absence fails."""
    if shutil.which("redis-server"):
        return
    if os.environ.get("CI"):
        pytest.fail("redis-server is required in CI (Debian's package redis-server) and is not installed")
    pytest.skip("redis-server is not installed here (apt-get install redis-server)")
