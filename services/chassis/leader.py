"""One relay per service publishes at a time. With two worker replicas, two relays
would publish every event twice and could interleave one aggregate's events out of
order; the others stand by and take over when the leader goes.

PostgreSQL: a session advisory lock held by a dedicated connection (released by the
server when that connection dies). That connection is quiet for hours, so both ends
watch it: TCP keepalives and a user timeout on the client (a half-open connection, e.g.
after a failover or a dropped NAT entry, fails the leader's check within `timeout_s`
instead of blocking publishing for hours) and on the server (the server drops a dead
leader's session, and with it the lock, so a standby takes over). SQLite: an exclusive
lock on a file beside the database (released by the kernel when the process dies)."""
from __future__ import annotations

import fcntl
import os
import zlib
from contextlib import contextmanager

import psycopg
from sqlalchemy import Engine


class Leadership:
    def try_acquire(self) -> bool:
        return True

    def still_held(self) -> bool:
        return True

    def release(self) -> None:
        pass


def watched(timeout_s: float) -> dict:
    """libpq parameters that bound how long a dead peer goes unnoticed, on both ends."""
    idle, interval = max(1, int(timeout_s / 3)), max(1, int(timeout_s / 6))
    server = (f"-c tcp_keepalives_idle={idle} -c tcp_keepalives_interval={interval} "
              f"-c tcp_keepalives_count=3 -c tcp_user_timeout={int(timeout_s * 1000)} "
              f"-c statement_timeout={int(timeout_s * 1000)}")
    return {"connect_timeout": max(2, int(timeout_s / 3)), "keepalives": 1,
            "keepalives_idle": idle, "keepalives_interval": interval, "keepalives_count": 3,
            "tcp_user_timeout": int(timeout_s * 1000), "options": server}


class PostgresLeadership(Leadership):
    def __init__(self, engine: Engine, name: str, timeout_s: float = 15.0):
        self._url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._key = zlib.crc32(name.encode())
        self._timeout_s = timeout_s
        self._conn: psycopg.Connection | None = None

    def try_acquire(self) -> bool:
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self._url, autocommit=True, **watched(self._timeout_s))
            return bool(self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()[0])
        except psycopg.Error:
            self.release()
            return False

    def still_held(self) -> bool:
        try:
            self._conn.execute("SELECT 1")
            return True
        except (psycopg.Error, AttributeError):
            self.release()
            return False

    def release(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class FileLeadership(Leadership):
    def __init__(self, path: str):
        self._path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def leadership(engine: Engine, name: str, timeout_s: float = 15.0) -> Leadership:
    if engine.dialect.name == "postgresql":
        return PostgresLeadership(engine, name, timeout_s)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return FileLeadership(f"{engine.url.database}.{name}.lock")
    return Leadership()


@contextmanager
def exclusive(engine: Engine, name: str):
    """Block until no other process holds `name` for this database (e.g. two pods
    migrating a fresh database at once), then hold it for the block."""
    if engine.dialect.name == "postgresql":
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (zlib.crc32(name.encode()),))
            yield
        return
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        fd = os.open(f"{engine.url.database}.{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
        return
    yield
