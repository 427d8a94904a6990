"""What staff see of an org's API keys: never a key or its hash."""
from __future__ import annotations

from sqlalchemy import select

from services.chassis.errors import NotFound
from services.identity.tables import api_keys


def one(rt, org_id: str, key_id: str) -> dict:
    with rt.engine.connect() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id,
                                                  api_keys.c.org_id == org_id)).first()
    if row is None:
        raise NotFound("No such API key.")
    return listing(row._mapping)


def all_of(rt, org_id: str) -> list[dict]:
    with rt.engine.connect() as conn:
        rows = conn.execute(select(api_keys).where(api_keys.c.org_id == org_id)
                            .order_by(api_keys.c.created_at.desc())).all()
    return [listing(r._mapping) for r in rows]


def listing(row) -> dict:
    """What staff see of a key afterwards: never the key or its hash."""
    return {k: row[k] for k in ("key_id", "name", "prefix", "scopes", "created_at", "last_used_at",
                                "revoked_at")} | {"active": row["revoked_at"] is None}
