"""One relay per service publishes at a time. With two worker replicas, two relays
would publish every event twice and could interleave one aggregate's events out of
order; the others stand by and take over when the leader goes.

PostgreSQL: a session advisory lock held by a dedicated connection (released by the
server when that connection dies). SQLite: an exclusive lock on a file beside the
database (released by the kernel when the process dies)."""
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


class PostgresLeadership(Leadership):
    def __init__(self, engine: Engine, name: str):
        self._url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._key = zlib.crc32(name.encode())
        self._conn: psycopg.Connection | None = None

    def try_acquire(self) -> bool:
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self._url, autocommit=True, connect_timeout=5)
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


def leadership(engine: Engine, name: str) -> Leadership:
    if engine.dialect.name == "postgresql":
        return PostgresLeadership(engine, name)
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
