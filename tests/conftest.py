"""Shared fixtures: the real broker, and databases of both kinds.

PostgreSQL tests skip with a clear message where PostgreSQL is not running, except
in CI (CI=true), where PostgreSQL is required and its absence fails the run.
"""
from __future__ import annotations

import os

import pytest
from cryptography.fernet import Fernet

from services.chassis import auth, migrate
from services.chassis.config import Config
from services.chassis.runtime import bootstrap
from tests.helpers.broker import Broker
from tests.helpers.databases import create_postgres_db, drop_postgres_db, postgres_available

# One key pair per test run, as `make up` makes one per machine: identity signs internal
# tokens with the private key, every service checks them with the public one.
os.environ.setdefault("INTERNAL_TOKEN_PRIVATE_KEY", auth.generate_private_pem())
os.environ.setdefault("INTERNAL_TOKEN_PUBLIC_KEYS", auth.public_pem(os.environ["INTERNAL_TOKEN_PRIVATE_KEY"]))

# The simulated gateway (no money moves) is what most billing tests pay with; production
# never offers it unless told to (services/billing/adapters/registry.py), and the tests of
# that case build their runtime with an environment of their own.
os.environ.setdefault("BILLING_SIMULATED_GATEWAY", "on")
# TOTP seeds and webhooks' signing secrets are sealed at rest in every test, as in production
# (services/chassis/secretbox.py).
os.environ.setdefault("IDENTITY_SECRETS_KEY", Fernet.generate_key().decode())
os.environ.setdefault("NOTIFICATIONS_SECRETS_KEY", Fernet.generate_key().decode())

_pg_reason = None


def _require_postgres():
    global _pg_reason
    if _pg_reason is None:
        _pg_reason = postgres_available() or ""
    if _pg_reason:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable: {_pg_reason}")
        pytest.skip(f"PostgreSQL is not running here ({_pg_reason}); start it to run this test")


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    b = Broker(log_path=str(tmp_path_factory.mktemp("broker") / "tansu.log")).start()
    yield b
    b.stop()


@pytest.fixture
def own_broker(tmp_path):
    """A broker this test alone may freeze or restart."""
    b = Broker(log_path=str(tmp_path / "tansu.log")).start()
    yield b
    b.stop()


@pytest.fixture
def make_db_url(request, tmp_path):
    """Call with a kind ("sqlite" or "postgresql") to get a fresh, empty database URL."""
    made: list[str] = []

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'db{len(made)}_{len(os.listdir(tmp_path))}.db'}"
        _require_postgres()
        name, url = create_postgres_db()
        made.append(name)
        return url

    yield make
    for name in made:
        drop_postgres_db(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request) -> str:
    return request.param


@pytest.fixture
def make_runtime(make_db_url):
    """Build a migrated service runtime: make_runtime(spec, kind, **config overrides)."""
    built = []

    def make(spec, kind: str = "sqlite", **overrides):
        url = overrides.pop("database_url", None) or make_db_url(kind)
        migrate.upgrade(spec, url)
        config = Config.from_env(spec.name, database_url=url, **overrides)
        rt = bootstrap(spec, config)
        built.append(rt)
        return rt

    yield make
    for rt in built:
        rt.dispose()
