"""API keys for an org's internal systems (an ERP pushing invoices, a CRM reading customers).

A key is 256 random bits, shown once when it is made; only its SHA-256 is kept (a key has
full entropy, so a slow hash would add nothing but latency to every call). It is scoped
to modules, revocable, and exchanged at identity for the same short-lived internal token a
person's session gets, so services apply one set of checks to both."""
from __future__ import annotations

import hashlib
import secrets
import time
import uuid

from sqlalchemy import select, update

from contracts.events.identity import API_KEY_SCOPES
from services.chassis import auth
from services.chassis.errors import DomainError, NotFound
from services.identity.domain.commands import CreateApiKey, ExchangeApiKey, RevokeApiKey
from services.identity.handlers import audit
from services.identity.queries.api_keys import listing, one
from services.identity.projections.directory import organizations
from services.identity.tables import api_keys

PREFIX = "cpk_"                 # recognisable in logs and by secret scanners
LAST_USED_EVERY_S = 60          # last_used_at is written at most once a minute per key


class BadScopes(DomainError):
    pass


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(rt, cmd: CreateApiKey) -> dict:
    org_id, scopes = cmd.org_id, cmd.scopes
    unknown = sorted(set(scopes) - set(API_KEY_SCOPES))
    if not scopes or unknown:
        raise BadScopes(f"Choose what the key may reach{': unknown ' + ', '.join(unknown) if unknown else ''}.",
                        field="scopes")
    key = PREFIX + secrets.token_urlsafe(32)
    row = {"key_id": str(uuid.uuid4()), "org_id": org_id, "name": cmd.name.strip(), "prefix": key[:12],
           "secret_hash": _hash(key), "scopes": [s for s in API_KEY_SCOPES if s in scopes],
           "created_at": time.time(), "created_by": cmd.created_by, "last_used_at": None, "revoked_at": None}
    with rt.store.unit_of_work() as uow:
        uow.conn.execute(api_keys.insert().values(**row))
        audit.log_event(uow, org_id, "ApiKey", row["key_id"], "ApiKeyCreated",
                        {k: row[k] for k in ("key_id", "name", "prefix", "scopes")})
        uow.commit()
    return {**listing(row), "key": key}


def revoke(rt, cmd: RevokeApiKey) -> dict:
    org_id, key_id = cmd.org_id, cmd.key_id
    with rt.store.unit_of_work() as uow:
        row = uow.conn.execute(select(api_keys).where(api_keys.c.key_id == key_id,
                                                      api_keys.c.org_id == org_id)).first()
        if row is None:
            raise NotFound("No such API key.")
        done = uow.conn.execute(update(api_keys).where(api_keys.c.key_id == key_id,
                                                       api_keys.c.revoked_at.is_(None))
                                .values(revoked_at=time.time())).rowcount
        if done:
            audit.log_event(uow, org_id, "ApiKey", key_id, "ApiKeyRevoked", {"key_id": key_id, "name": row.name})
        uow.commit()
    return one(rt, org_id, key_id)


def exchange(rt, cmd: ExchangeApiKey) -> dict:
    """A live key of this org -> an internal token; anything else is the same 401."""
    org_id, key = cmd.org_id, cmd.key
    now = time.time()
    with rt.engine.begin() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.secret_hash == _hash(key or ""))).first()
        open_org = conn.execute(select(organizations.c.org_id).where(organizations.c.org_id == org_id,
                                                                     organizations.c.status == "active")).first()
        if row is None or row.org_id != org_id or row.revoked_at is not None or open_org is None:
            raise auth.Unauthorized("This API key is not valid.")
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY_S:
            conn.execute(update(api_keys).where(api_keys.c.key_id == row.key_id).values(last_used_at=now))
    caller = auth.Principal(kind="api_key", id=row.key_id, org_id=org_id, modules=frozenset(row.scopes),
                            name=row.name)
    return {"internal_token": auth.sign(rt.config.token_private_key, caller), "key_id": row.key_id,
            "name": row.name, "scopes": list(row.scopes), "expires_in": auth.TOKEN_TTL_S}
