"""Internal tokens for tests that call a service directly, as the gateway would: signed with
the test run's key (tests/conftest.py puts a fresh pair in the environment)."""
from __future__ import annotations

import os

from services.chassis import auth


def bearer(kind: str = "staff", org_id: str | None = None, *, id: str = "test-caller",
           customer_id: str | None = None, role: str | None = "owner", mfa: bool = True,
           permissions=(), modules=(), ttl_s: int = 120, name: str | None = None) -> dict:
    principal = auth.Principal(kind=kind, id=id, org_id=org_id, customer_id=customer_id,
                               permissions=frozenset(permissions), modules=frozenset(modules),
                               role=role if kind == "staff" else None, mfa=mfa, name=name)
    token = auth.sign(os.environ["INTERNAL_TOKEN_PRIVATE_KEY"], principal, ttl_s=ttl_s)
    return {"Authorization": f"Bearer {token}"}


def system(ttl_s: int = 3600) -> dict:
    return {"Authorization": f"Bearer {auth.system_token(os.environ['INTERNAL_TOKEN_PRIVATE_KEY'], ttl_s)}"}


def as_system(client):
    """A Flask test client whose every call carries the operator's token (set-up and admin
    calls in tests about something else than access)."""
    client.environ_base["HTTP_AUTHORIZATION"] = system()["Authorization"]
    return client
