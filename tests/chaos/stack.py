"""`make up`'s stack for the chaos run, under a small supervisor of our own.

make up runs its processes under honcho, which stops every process when one of them dies:
right for a developer's terminal, wrong for a test that SIGKILLs a worker and expects it back,
as Kubernetes would bring back a killed container. So this module reuses make up's own pieces
(deploy/local/up.py: its environment, migrations, Procfile lines and demo seeding), and starts
each Procfile line as its own process group, restarting any that exits while the run is on
(after RESTART_DELAY_S, like a container's restart).
"""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESTART_DELAY_S = 0.5


def load_up(env: dict):
    """deploy/local/up.py as a module, reading its ports and data folder from `env`."""
    os.environ.update(env)
    spec = importlib.util.spec_from_file_location("chaos_up", ROOT / "deploy/local/up.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Process:
    def __init__(self, name: str, command: str, env: dict, logs: Path):
        self.name, self.command, self.env, self.logs = name, command, env, logs
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self.lock = threading.Lock()

    def start(self) -> None:
        log = open(self.logs / f"{self.name}.log", "ab")
        self.proc = subprocess.Popen(["bash", "-c", f"exec {self.command}"], env=self.env, cwd=ROOT,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def signal(self, sig: int) -> None:
        """To the whole process group (gunicorn's master and workers alike)."""
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, timeout: float = 20) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.proc.wait(10)


class Supervisor:
    """Starts every Procfile line and brings back any process that exits while it watches."""

    def __init__(self, procfile: str, env: dict, logs: Path):
        logs.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, Process] = {}
        for line in procfile.strip().splitlines():
            name, command = line.split(":", 1)
            self.processes[name.strip()] = Process(name.strip(), command.strip(), env, logs)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True, name="chaos-supervisor")
        self.restarted: list[tuple[str, float]] = []

    def start(self) -> "Supervisor":
        for process in self.processes.values():
            process.start()
        self._thread.start()
        return self

    def __getitem__(self, name: str) -> Process:
        return self.processes[name]

    def _watch(self) -> None:
        while not self._stopping.wait(0.1):
            for process in self.processes.values():
                if process.proc.poll() is None or self._stopping.is_set():
                    continue
                # its children (gunicorn's workers) go with it, as a container's do
                process.signal(signal.SIGKILL)
                time.sleep(RESTART_DELAY_S)
                if self._stopping.is_set():
                    return
                process.restarts += 1
                self.restarted.append((process.name, time.monotonic()))
                process.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        # the gateway and the web processes first, the broker last
        order = sorted(self.processes.values(), key=lambda p: p.name == "broker")
        for process in order:
            process.stop()


