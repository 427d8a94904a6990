"""Whether the real services behind the gateway's tests wrote anything: SQLite's
`PRAGMA data_version` on a connection of our own to each service's database moves whenever
another connection commits a change (an event, a read model, a read mark, a name ...), and
costs next to nothing, so it can be asked around every single request."""
from __future__ import annotations

import sqlite3
from functools import cache

from tests.integration.gateway import billing_backend, documents_backend, notifications_backend, orders_backend
from tests.integration.gateway import support_backend

APPS = {"billing": billing_backend.billing_app, "orders": orders_backend.orders_app,
        "support": support_backend.support_app, "documents": documents_backend.documents_app,
        "notifications": notifications_backend.notifications_app}


@cache
def _watcher(service: str) -> sqlite3.Connection:
    url = APPS[service]().extensions["portal"].engine.url
    assert url.get_backend_name() == "sqlite", "the gateway's tests run the services on SQLite"
    return sqlite3.connect(url.database, check_same_thread=False)


def versions() -> dict[str, int]:
    """{service: its database's data version}: equal before and after = nothing was written."""
    return {service: _watcher(service).execute("PRAGMA data_version").fetchone()[0] for service in APPS}


def written(before: dict[str, int], after: dict[str, int]) -> list[str]:
    """The services that wrote in between."""
    return sorted(s for s in before if before[s] != after[s])
