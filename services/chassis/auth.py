"""Who may call a service: short-lived internal tokens signed by identity, verified here.

identity signs (Ed25519, PyJWT) a token for each signed-in person (contact or staff), API
key and internal caller; the gateway forwards it as `Authorization: Bearer ...`. Every
service verifies it with identity's public key(s) and scopes every query to the token's
org and customer. Only identity holds the private key: no other process can mint one.

Every route declares who may call it (deny by default; a test walks each service's URL map):

- `@public`  no token (identity's sign-in steps, which the gateway calls before anyone is
  signed in; health and metrics). Still reachable only inside the cluster (NetworkPolicy).
- `@requires("staff", "api_key", module=..., permission=..., roles=...)`  a token of one
  of these kinds, of the org in the path (another org's id answers 404), holding the
  module and permission (contacts) and the role (staff).

Keys come from the environment: INTERNAL_TOKEN_PRIVATE_KEY (PEM, identity only) and
INTERNAL_TOKEN_PUBLIC_KEYS (one or more PEM public keys: several while a key is rotated).
`make up` generates a pair; the tests make their own.
"""
from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app, g, request
from sqlalchemy import select

from services.chassis.errors import NotFound, PortalError

ISSUER = "portal-identity"
AUDIENCE = "portal-services"
ALGORITHM = "EdDSA"
TOKEN_TTL_S = 120
LEEWAY_S = 5
KINDS = ("contact", "staff", "api_key", "system")
ACCESS = "service_access"              # the attribute a declaration sets on a view function


class Unauthorized(PortalError):
    status = 401
    title = "Unauthorized"


class Forbidden(PortalError):
    status = 403
    title = "Forbidden"


class KeysMissing(RuntimeError):
    """The process cannot verify (or, in identity, sign) internal tokens."""


@dataclass(frozen=True)
class Principal:
    kind: str                              # contact | staff | api_key | system
    id: str
    org_id: str | None                     # None only for the operator's system token
    customer_id: str | None = None         # contacts
    permissions: frozenset = frozenset()   # contacts
    modules: frozenset = frozenset()       # contacts: org's and own; api keys: scopes
    role: str | None = None                # staff
    mfa: bool = False
    session_id: str | None = None
    name: str | None = None

    def claims(self) -> dict:
        return {"sub": self.id, "kind": self.kind, "org": self.org_id, "customer": self.customer_id,
                "permissions": sorted(self.permissions), "modules": sorted(self.modules),
                "role": self.role, "mfa": self.mfa, "sid": self.session_id, "name": self.name}

    @classmethod
    def from_claims(cls, claims: dict) -> "Principal":
        if claims.get("kind") not in KINDS or not claims.get("sub"):
            raise Unauthorized("The internal token is not valid.")
        return cls(kind=claims["kind"], id=claims["sub"], org_id=claims.get("org"),
                   customer_id=claims.get("customer"),
                   permissions=frozenset(claims.get("permissions") or ()),
                   modules=frozenset(claims.get("modules") or ()), role=claims.get("role"),
                   mfa=bool(claims.get("mfa")), session_id=claims.get("sid"), name=claims.get("name"))


# --- keys -------------------------------------------------------------------------------

def generate_private_pem() -> str:
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@lru_cache(maxsize=8)
def _private(pem: str) -> tuple[Ed25519PrivateKey, str]:
    if not pem:
        raise KeysMissing("INTERNAL_TOKEN_PRIVATE_KEY is not set: identity cannot sign internal tokens "
                          "(`make up` generates one; in Kubernetes it comes from the portal-internal-token Secret).")
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeysMissing("INTERNAL_TOKEN_PRIVATE_KEY must be an Ed25519 key.")
    return key, _key_id(key.public_key())


@lru_cache(maxsize=8)
def _publics(bundle: str) -> dict[str, Ed25519PublicKey]:
    marker = "-----END PUBLIC KEY-----"
    keys = {}
    for part in bundle.split(marker):
        if "BEGIN PUBLIC KEY" in part:
            key = serialization.load_pem_public_key((part.strip() + "\n" + marker + "\n").encode())
            if isinstance(key, Ed25519PublicKey):
                keys[_key_id(key)] = key
    if not keys:
        raise KeysMissing("INTERNAL_TOKEN_PUBLIC_KEYS is not set (or holds no Ed25519 public key): this "
                          "service cannot check who calls it (`make up` generates a key pair).")
    return keys


def check_keys(config) -> None:
    """At start: fail loudly, not at the first request."""
    _publics(config.token_public_keys)


def system_token(private_pem: str, ttl_s: int = 300) -> str:
    """The operator's token (setting up an org, scripts): no org, every right. Only who holds
    identity's private key can make one."""
    return sign(private_pem, Principal(kind="system", id="operator", org_id=None), ttl_s)


# --- signing (identity) and verifying (every service) -------------------------------------

def sign(private_pem: str, principal: Principal, ttl_s: int = TOKEN_TTL_S, now: float | None = None) -> str:
    key, kid = _private(private_pem)
    now = time.time() if now is None else now
    claims = {**principal.claims(), "iss": ISSUER, "aud": AUDIENCE, "iat": int(now),
              "exp": int(now + ttl_s), "jti": str(uuid.uuid4())}
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})


def verify(public_pems: str, token: str) -> Principal:
    keys = _publics(public_pems)
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = keys.get(kid)
        if key is None:
            raise Unauthorized("The internal token was signed by an unknown key.")
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                            leeway=LEEWAY_S, options={"require": ["exp", "iat", "sub", "aud", "iss"]})
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The internal token has expired.") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("The internal token is not valid.") from None
    return Principal.from_claims(claims)


# --- declarations -------------------------------------------------------------------------

@dataclass(frozen=True)
class Access:
    kinds: tuple[str, ...] = ()            # empty: public
    module: str | None = None
    permission: str | None = None
    roles: tuple[str, ...] = ()
    self_param: str | None = None          # a contact may call it for its own id only


def public(fn):
    setattr(fn, ACCESS, Access())
    return fn


def requires(*kinds: str, module: str | None = None, permission: str | None = None,
             roles: tuple[str, ...] = (), self_param: str | None = None):
    unknown = set(kinds) - set(KINDS)
    if not kinds or unknown:
        raise ValueError(f"requires() needs caller kinds out of {KINDS}, got {kinds}")

    def mark(fn):
        setattr(fn, ACCESS, Access(tuple(kinds), module, permission, tuple(roles), self_param))
        return fn
    return mark


OPEN_ENDPOINTS = ("healthz", "readyz", "metrics_view")


def declared(app, endpoint: str, method: str) -> Access | None:
    if endpoint in OPEN_ENDPOINTS or endpoint.startswith("api-docs."):
        return Access()                              # health, metrics, the OpenAPI document
    view = app.view_functions.get(endpoint)
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, "get" if method == "HEAD" else method.lower(), None)
        return getattr(handler, ACCESS, None) or getattr(view_class, ACCESS, None)
    return getattr(view, ACCESS, None)


def principal() -> Principal:
    """The caller of this request (a route that is not public always has one)."""
    found = g.get("principal")
    if found is None:
        raise Unauthorized("This needs a signed-in caller.")
    return found


def authorize(config) -> Principal | None:
    """Run before every request: checks the route's declaration against the caller's token."""
    if request.endpoint is None:                    # 404 / 405: Flask answers
        return None
    access = declared(current_app, request.endpoint, request.method)
    if access is None:
        raise Forbidden("This route declares no access rule, so nobody may call it.")
    if not access.kinds:
        return None
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthorized("This call needs an internal token (Authorization: Bearer ...).")
    caller = verify(config.token_public_keys, header[7:].strip())
    _check(caller, access, request.view_args or {})
    g.principal = caller
    return caller


def _check(caller: Principal, access: Access, args: dict) -> None:
    if caller.kind not in access.kinds:
        raise Forbidden("Your kind of account may not do this.")
    if caller.kind == "system":
        return                                       # the operator's token (setup, scripts)
    if "org_id" in args and args["org_id"] != caller.org_id:
        raise NotFound("Not found.")
    if caller.kind == "contact":
        if "customer_id" in args and args["customer_id"] != caller.customer_id:
            raise NotFound("Not found.")
        if access.self_param and args.get(access.self_param) != caller.id:
            raise NotFound("Not found.")
        if access.module and access.module not in caller.modules:
            raise NotFound("Not found.")
        if access.permission and access.permission not in caller.permissions:
            raise Forbidden(f"You do not have the {access.permission.replace('_', ' ')} permission.")
    elif caller.kind == "api_key":
        if access.module and access.module not in caller.modules:
            raise Forbidden(f"This API key is not allowed to use {access.module.replace('_', ' ')}.")
    elif caller.kind == "staff":
        if not caller.mfa:
            raise Unauthorized("Staff must pass two-step sign-in first.")
        if access.roles and caller.role not in access.roles:
            raise Forbidden("Your role may not do this.")


# --- scoping queries ----------------------------------------------------------------------

def scoped(query, table, caller: Principal | None = None):
    """`query` limited to what the caller may see: its org, and for a contact its customer.
    A table without a customer_id column cannot be read by a contact through this helper."""
    caller = caller or principal()
    if caller.kind == "system":
        return query
    query = query.where(table.c.org_id == caller.org_id)
    if caller.kind == "contact":
        if "customer_id" not in table.c:
            raise Forbidden("Contacts may not read this.")
        query = query.where(table.c.customer_id == caller.customer_id)
    return query


def one_or_404(conn, table, key: str, value, what: str, caller: Principal | None = None):
    """The row of `table` whose `key` is `value`, if the caller may see it; else 404."""
    row = conn.execute(scoped(select(table).where(table.c[key] == value), table, caller)).first()
    if row is None:
        raise NotFound(f"No such {what}.")
    return row._mapping
