"""Password-reset links: whether a token names a live reset, and of which login."""
from __future__ import annotations

import time

from sqlalchemy import select

from services.chassis.db import read_only
from services.chassis.errors import NotFound
from services.identity.domain.sessions import token_hash
from services.identity.queries.sessions import user_by_id
from services.identity.tables import password_resets

INVALID_RESET = "This reset link is not valid any more."


def valid_reset(conn, org_id: str, token: str) -> dict:
    row = conn.execute(select(password_resets).where(
        password_resets.c.token_hash == token_hash(token),
        password_resets.c.org_id == org_id)).first()
    if row is None or row.used_at is not None or row.voided or time.time() >= row.expires_at:
        raise NotFound(INVALID_RESET)
    user = user_by_id(conn, org_id, row.user_id)
    if not user["active"]:
        raise NotFound(INVALID_RESET)
    return user


def lookup_reset(rt, org_id: str, token: str) -> dict:
    with read_only(rt.engine) as conn:
        user = valid_reset(conn, org_id, token)
    return {"email": user["email"], "kind": user["kind"]}
