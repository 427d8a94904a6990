"""Each org's own Stripe and PayPal accounts ("gateway connections"), set up by its owners
and admins in the console; where an org has none, the deployment's accounts from the
environment serve it (adapters/stripe.py and paypal.py `for_org`).

**Secrets at rest.** The secret key, webhook signing secret and PayPal client secret are
encrypted one by one with Fernet (`cryptography`: AES-128-CBC + HMAC-SHA256) under the
deployment's key `BILLING_SECRETS_KEY` (a Fernet key: `Fernet.generate_key()`, 44 base64
characters; keep it in the deployment's secret store). Without that key nothing secret is
stored (SecretsKeyMissing, a 409 saying so); the plaintext never reaches the database, an event,
a log or an answer: answers say only whether a secret is set and its last four characters.
Public values (publishable key, PayPal client id and webhook id) are stored as they are.

A connection is configuration, not business history, so it is a plain table rather than an
event stream: events travel to other systems and must never carry secrets (DESIGN.md).

Adapters are built per use from the row (cheap: one primary-key read) and cached per org
until the row changes, so a saved or removed connection takes effect at the next payment.
The API base of both gateways stays the deployment's (STRIPE_API_BASE / PAYPAL_API_BASE: the
real services, or the stand-ins in tests and `make up`).
"""
from __future__ import annotations

import json
import logging
import os
import threading

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import JSON, Boolean, Column, String, Table, delete, select, update

from services.billing.projections import metadata
from services.chassis.db import upsert_insert
from services.chassis.errors import DomainError, NotFound, PortalError
from services.chassis.events import utc_now

log = logging.getLogger(__name__)

gateway_connections = Table(
    "gateway_connections", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("gateway", String(20), primary_key=True),
    Column("public", JSON, nullable=False),         # {"publishable_key": ...} / {"client_id", "webhook_id"}
    Column("secrets", JSON, nullable=False),        # {name: Fernet token}: never the plaintext
    Column("hints", JSON, nullable=False),          # {name: last four characters}
    Column("is_default", Boolean, nullable=False),
    Column("last_test_at", String(40)),
    Column("last_test_ok", Boolean),
    Column("last_test_detail", String(500)),
    Column("updated_at", String(40), nullable=False),
    Column("updated_by", String(200)),
)

# gateway -> (public fields, secret fields, required fields)
FIELDS = {
    "stripe": (("publishable_key",), ("secret_key", "webhook_secret"), ("secret_key", "webhook_secret")),
    "paypal": (("client_id", "webhook_id"), ("client_secret",), ("client_id", "client_secret", "webhook_id")),
}
PREFIXES = {"secret_key": ("sk_", "rk_"), "webhook_secret": ("whsec_",), "publishable_key": ("pk_",)}
LABELS = {"secret_key": "secret key", "webhook_secret": "webhook signing secret", "publishable_key": "publishable key",
          "client_id": "client id", "client_secret": "client secret", "webhook_id": "webhook id"}


class SecretsKeyMissing(PortalError):
    """BILLING_SECRETS_KEY is unset or not a Fernet key: no secret can be stored or read. A 409
    (the deployment's state refuses it) rather than a 5xx, whose detail the chassis hides:
    the console must be able to say what is missing."""
    status = 409
    title = "Not configured"


class ConnectionUnreadable(Exception):
    """A stored connection cannot be decrypted (the deployment's key was changed)."""


def _fernet() -> Fernet:
    key = os.environ.get("BILLING_SECRETS_KEY", "").strip()
    if not key:
        raise SecretsKeyMissing("Payment gateway secrets cannot be stored: this deployment has no encryption key "
                                "(BILLING_SECRETS_KEY). Ask your operator to set it.")
    try:
        return Fernet(key.encode())
    except ValueError:
        raise SecretsKeyMissing("Payment gateway secrets cannot be stored: BILLING_SECRETS_KEY is not a valid "
                                "Fernet key (44 url-safe base64 characters). Ask your operator to fix it.") from None


def _check(gateway: str, body: dict) -> dict:
    """The fields given (blank ones left out), each checked just enough to catch a mix-up."""
    public, secret, _ = FIELDS[gateway]
    given = {}
    for name in (*public, *secret):
        value = (body.get(name) or "").strip()
        if not value:
            continue
        if len(value) > 500 or any(c.isspace() for c in value):
            raise DomainError(f"The {LABELS[name]} is one word of at most 500 characters.", field=name)
        prefixes = PREFIXES.get(name)
        if prefixes and not value.startswith(prefixes):
            raise DomainError(f"A Stripe {LABELS[name]} starts with {' or '.join(prefixes)}.", field=name)
        given[name] = value
    return given


def put(rt, org_id: str, gateway: str, body: dict, actor: str | None) -> dict:
    """Connect (or change) the org's account at `gateway`. Blank secret fields keep the stored
    ones; `default` makes it the gateway the org's payments use when they name none."""
    if gateway not in FIELDS:
        raise NotFound("No such payment gateway.")
    given = _check(gateway, body)
    public_names, secret_names, required = FIELDS[gateway]
    fresh = {n: v for n, v in given.items() if n in secret_names}
    fernet = _fernet() if fresh else None
    with rt.engine.begin() as conn:
        row = conn.execute(select(gateway_connections).where(gateway_connections.c.org_id == org_id,
                                                            gateway_connections.c.gateway == gateway)
                           .with_for_update()).first()
        public = {**(row.public if row else {}), **{n: v for n, v in given.items() if n in public_names}}
        secrets = {**(row.secrets if row else {}), **{n: fernet.encrypt(v.encode()).decode() for n, v in fresh.items()}}
        hints = {**(row.hints if row else {}), **{n: v[-4:] for n, v in fresh.items()}}
        missing = [n for n in required if not (public.get(n) or secrets.get(n))]
        if missing:
            raise DomainError(f"Give the {LABELS[missing[0]]}.", field=missing[0])
        default = bool(body.get("default")) if body.get("default") is not None else bool(row and row.is_default)
        if default:
            conn.execute(update(gateway_connections).where(gateway_connections.c.org_id == org_id)
                         .values(is_default=False))
        values = {"public": public, "secrets": secrets, "hints": hints, "is_default": default,
                  "updated_at": utc_now(), "updated_by": actor}
        ins = upsert_insert(conn, gateway_connections)
        conn.execute(ins.values(org_id=org_id, gateway=gateway, **values)
                     .on_conflict_do_update(index_elements=["org_id", "gateway"], set_=values))
    return get(rt, org_id)


def get(rt, org_id: str) -> dict:
    """The org's connections as the console shows them: never a secret, only its last four."""
    with rt.engine.connect() as conn:
        rows = conn.execute(select(gateway_connections).where(gateway_connections.c.org_id == org_id)
                            .order_by(gateway_connections.c.gateway)).all()
    default = next((r.gateway for r in rows if r.is_default), None)
    return {"items": [_view(r) for r in rows], "default_gateway": default,
            "secrets_key_configured": bool(os.environ.get("BILLING_SECRETS_KEY", "").strip())}


def _view(row) -> dict:
    public_names, secret_names, _ = FIELDS.get(row.gateway, ((), (), ()))
    view = {"gateway": row.gateway, "default": bool(row.is_default), "updated_at": row.updated_at,
            "webhook_path": f"/webhooks/{row.gateway}/{row.org_id}",
            "last_test": None if row.last_test_at is None else {
                "at": row.last_test_at, "ok": bool(row.last_test_ok), "detail": row.last_test_detail}}
    view.update({n: row.public.get(n) for n in public_names})
    view.update({n: {"set": n in row.secrets, "ends_in": row.hints.get(n)} for n in secret_names})
    return view


def remove(rt, org_id: str, gateway: str) -> None:
    with rt.engine.begin() as conn:
        gone = conn.execute(delete(gateway_connections).where(gateway_connections.c.org_id == org_id,
                                                              gateway_connections.c.gateway == gateway)).rowcount
    if not gone:
        raise NotFound(f"No {gateway} connection for this org.")
    _cache.pop((org_id, gateway), None)


def default_gateway(rt, org_id: str) -> str | None:
    """The gateway the org chose as its default in the console, if any."""
    with rt.engine.connect() as conn:
        return conn.execute(select(gateway_connections.c.gateway).where(
            gateway_connections.c.org_id == org_id, gateway_connections.c.is_default.is_(True))).scalar()


# --- adapters from a connection --------------------------------------------------------

_cache: dict[tuple[str, str], tuple[str, object]] = {}
_lock = threading.Lock()


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"BILLING_{name}", os.environ.get(name, default))


def adapter_for(rt, org_id: str, gateway: str):
    """The org's own adapter for `gateway`, or None when it has no connection there.
    ConnectionUnreadable when its secrets cannot be decrypted."""
    with rt.engine.connect() as conn:
        row = conn.execute(select(gateway_connections).where(gateway_connections.c.org_id == org_id,
                                                            gateway_connections.c.gateway == gateway)).first()
    if row is None:
        return None
    fingerprint = row.updated_at + json.dumps(row.secrets, sort_keys=True) + json.dumps(row.public, sort_keys=True)
    with _lock:
        cached = _cache.get((org_id, gateway))
        if cached and cached[0] == fingerprint:
            return cached[1]
    built = _build(row)
    with _lock:
        _cache[(org_id, gateway)] = (fingerprint, built)
    return built


def _secrets(row) -> dict:
    try:
        fernet = _fernet()
        return {n: fernet.decrypt(token.encode()).decode() for n, token in row.secrets.items()}
    except (SecretsKeyMissing, InvalidToken) as exc:
        raise ConnectionUnreadable(f"the {row.gateway} connection of org {row.org_id} cannot be decrypted") from exc


def _build(row):
    plain = _secrets(row)
    if row.gateway == "stripe":
        from services.billing.adapters.stripe import StripeGateway, StripeSettings
        ttl = _env("STRIPE_SESSION_TTL_S")
        return StripeGateway(StripeSettings(plain["secret_key"], plain["webhook_secret"],
                                            api_base=_env("STRIPE_API_BASE") or None,
                                            webhook_tolerance_s=int(_env("STRIPE_WEBHOOK_TOLERANCE_S", "300")),
                                            session_ttl_s=int(ttl) if ttl else None))
    from services.billing.adapters.paypal import SANDBOX, PayPalGateway, PayPalSettings
    return PayPalGateway(PayPalSettings(row.public["client_id"], plain["client_secret"], row.public["webhook_id"],
                                        api_base=_env("PAYPAL_API_BASE") or SANDBOX,
                                        webhook_tolerance_s=int(_env("PAYPAL_WEBHOOK_TOLERANCE_S", "300")),
                                        brand_name=_env("PAYPAL_BRAND_NAME")))


def try_connection(rt, org_id: str, gateway: str) -> dict:
    """Call the gateway with the org's stored keys (Stripe: read the balance; PayPal: get an
    access token) and record the outcome; answers {ok, detail} in words for the console."""
    if gateway not in FIELDS:
        raise NotFound("No such payment gateway.")
    try:
        adapter = adapter_for(rt, org_id, gateway)
    except ConnectionUnreadable:
        adapter, ok, detail = None, False, ("The stored keys cannot be read with this deployment's encryption key; "
                                            "enter them again.")
    else:
        if adapter is None:
            raise NotFound(f"No {gateway} connection for this org.")
    if adapter is not None:
        ok, detail = _call(adapter, gateway)
    with rt.engine.begin() as conn:
        conn.execute(update(gateway_connections).where(gateway_connections.c.org_id == org_id,
                                                       gateway_connections.c.gateway == gateway)
                     .values(last_test_at=utc_now(), last_test_ok=ok, last_test_detail=detail[:500]))
    return {"ok": ok, "detail": detail}


def _call(adapter, gateway: str) -> tuple[bool, str]:
    if gateway == "stripe":
        import stripe
        try:
            balance = adapter.client.v1.balance.retrieve()
        except stripe.AuthenticationError as exc:
            return False, f"Stripe refused the secret key: {exc.user_message or exc}"
        except stripe.StripeError as exc:
            return False, f"Stripe could not be reached or answered an error: {exc.user_message or exc}"
        mode = "live" if getattr(balance, "livemode", False) else "test"
        return True, f"Connected to Stripe ({mode} mode): the account's balance was read."
    from services.billing.adapters.paypal import PayPalGatewayError
    try:
        adapter.verify_credentials()
    except PayPalGatewayError as exc:
        if exc.status in (400, 401, 403):
            return False, "PayPal refused the client id or secret."
        return False, "PayPal could not be reached; try again in a moment."
    return True, "Connected to PayPal: the client id and secret were accepted."
