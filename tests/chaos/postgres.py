"""A private PostgreSQL for the chaos run: its own cluster in a temporary folder, on its own
port, so that restarting it (one of the faults) touches nothing else on the machine.

initdb and pg_ctl run as the `postgres` user when we are root (PostgreSQL refuses to run as
root); the folder is removed again by `remove()`.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    return shutil.which(name) or name


class PrivatePostgres:
    def __init__(self, port: int):
        self.port = port
        self.folder = Path(tempfile.mkdtemp(prefix="chaos-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if self.as_postgres else list(args)
        subprocess.run(command, check=True, timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def _ctl(self, action: str, *extra: str) -> None:
        self._run(_bin("pg_ctl"), action, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                        f"-c max_connections=200", *extra)

    def start(self) -> "PrivatePostgres":
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self._ctl("start")
        return self

    def restart(self) -> float:
        """`pg_ctl restart -m fast`: every connection is cut, in-flight transactions roll back.
        Returns how long it took until the server answered again."""
        began = time.monotonic()
        self._ctl("restart", "-m", "fast")
        while not self.ready():
            time.sleep(0.1)
        return time.monotonic() - began

    def ready(self) -> bool:
        try:
            psycopg.connect(self.admin_dsn, connect_timeout=2).close()
            return True
        except psycopg.Error:
            return False

    @property
    def admin_dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._ctl("stop", "-m", "fast")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
