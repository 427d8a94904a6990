"""Wakes the relay as soon as a transaction that appended events commits, so the
relay need not poll slowly: LISTEN/NOTIFY on PostgreSQL, `PRAGMA data_version`
(changes when another connection commits) on SQLite."""
from __future__ import annotations

import sqlite3
import threading
import time

import psycopg
from sqlalchemy import Engine

from services.chassis.eventstore import NOTIFY_CHANNEL
from services.chassis.leader import watched


class Waker:
    def __init__(self):
        self._poked = threading.Event()

    def poke(self) -> None:
        """Wake from this process (e.g. the worker's own consumer appended events)."""
        self._poked.set()

    def wait(self, timeout: float) -> None:
        self._poked.wait(timeout)
        self._poked.clear()

    def close(self) -> None:
        pass


class PostgresWaker(Waker):
    """LISTENs on a connection of its own, watched like the leader's (leader.watched), and
    listens again on a new one after a failover: a dead listener would leave the relay to
    its slow timer."""

    def __init__(self, engine: Engine):
        super().__init__()
        self._url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn = self._listen()

    def _listen(self) -> psycopg.Connection:
        conn = psycopg.connect(self._url, autocommit=True, **watched(15.0))
        conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        return conn

    def wait(self, timeout: float) -> None:
        if self._poked.is_set():
            self._poked.clear()
            return
        try:
            for _ in self._conn.notifies(timeout=timeout, stop_after=1):
                pass
            # Drain what else arrived: one wake-up covers them all.
            for _ in self._conn.notifies(timeout=0):
                pass
        except psycopg.OperationalError:
            time.sleep(min(timeout, 1.0))
            try:
                self._conn.close()
                self._conn = self._listen()
            except psycopg.OperationalError:
                pass                     # the database is still away: try again next time

    def close(self) -> None:
        self._conn.close()


class SqliteWaker(Waker):
    TICK = 0.002

    def __init__(self, engine: Engine):
        super().__init__()
        self._conn = sqlite3.connect(engine.url.database, check_same_thread=False)
        self._version = self._data_version()

    def _data_version(self) -> int:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self._poked.is_set():
            version = self._data_version()
            if version != self._version:
                self._version = version
                return
            if time.monotonic() >= deadline:
                return
            time.sleep(self.TICK)
        self._poked.clear()

    def close(self) -> None:
        self._conn.close()


def make_waker(engine: Engine) -> Waker:
    if engine.dialect.name == "postgresql":
        return PostgresWaker(engine)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return SqliteWaker(engine)
    return Waker()
