"""Fresh databases for tests: a SQLite file, or a new PostgreSQL database per use."""
from __future__ import annotations

import os
import uuid

import psycopg

PG_ADMIN = os.environ.get("TEST_POSTGRES_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        psycopg.connect(PG_ADMIN, connect_timeout=2).close()
        return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def create_postgres_db() -> tuple[str, str]:
    name = f"portal_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    info = psycopg.conninfo.conninfo_to_dict(PG_ADMIN)
    host, port, user = info.get("host", "127.0.0.1"), info.get("port", "5432"), info.get("user", "postgres")
    return name, f"postgresql+psycopg://{user}@{host}:{port}/{name}"


def drop_postgres_db(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
