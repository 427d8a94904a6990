"""Each org's own Stripe and PayPal accounts ("gateway connections"), set up by its owners
and admins in the console: connect (or change), disconnect, and check that the gateway takes
the keys. Where an org has none, the deployment's accounts serve it (adapters/registry.py,
which also builds the org's adapter from its row).

**Secrets at rest.** The secret key, webhook signing secret and PayPal client secret are
encrypted one by one with Fernet (adapters/secrets.py) under the deployment's key
`BILLING_SECRETS_KEY`. Without that key nothing secret is stored (SecretsKeyMissing, a 409
saying so); the plaintext never reaches the database, an event, a log or an answer: answers
say only whether a secret is set and its last four characters (queries/gateway_connections.py).
Public values (publishable key, PayPal client id and webhook id) are stored as they are.

A connection is configuration, not business history, so it is a plain table rather than an
event stream: events travel to other systems and must never carry secrets (DESIGN.md).
"""
from __future__ import annotations

from sqlalchemy import delete, select, update

from services.billing.adapters.paypal import PayPalGatewayError
from services.billing.adapters.registry import ConnectionUnreadable
from services.billing.adapters.secrets import fernet
from services.billing.domain.commands import CheckGatewayConnection, ConnectGateway, DisconnectGateway
from services.billing.domain.gateway_connection import FIELDS, LABELS, check
from services.billing.queries.gateway_connections import connections
from services.billing.tables import gateway_connections
from services.chassis.db import upsert_insert
from services.chassis.errors import DomainError, NotFound
from services.chassis.events import utc_now


def connect(rt, cmd: ConnectGateway) -> dict:
    """Connect (or change) the org's account at the gateway. Blank secret fields keep the stored
    ones; `default` makes it the gateway the org's payments use when they name none. Answers
    the org's connections as the console shows them."""
    org_id, gateway, body = cmd.org_id, cmd.gateway, cmd.values
    if gateway not in FIELDS:
        raise NotFound("No such payment gateway.")
    given = check(gateway, body)
    public_names, secret_names, required = FIELDS[gateway]
    fresh = {n: v for n, v in given.items() if n in secret_names}
    box = fernet(rt.config.setting("SECRETS_KEY")) if fresh else None
    with rt.engine.begin() as conn:
        row = conn.execute(select(gateway_connections).where(gateway_connections.c.org_id == org_id,
                                                            gateway_connections.c.gateway == gateway)
                           .with_for_update()).first()
        public = {**(row.public if row else {}), **{n: v for n, v in given.items() if n in public_names}}
        secrets = {**(row.secrets if row else {}), **{n: box.encrypt(v.encode()).decode() for n, v in fresh.items()}}
        hints = {**(row.hints if row else {}), **{n: v[-4:] for n, v in fresh.items()}}
        missing = [n for n in required if not (public.get(n) or secrets.get(n))]
        if missing:
            raise DomainError(f"Give the {LABELS[missing[0]]}.", field=missing[0])
        default = bool(body.get("default")) if body.get("default") is not None else bool(row and row.is_default)
        if default:
            conn.execute(update(gateway_connections).where(gateway_connections.c.org_id == org_id)
                         .values(is_default=False))
        values = {"public": public, "secrets": secrets, "hints": hints, "is_default": default,
                  "updated_at": utc_now(), "updated_by": cmd.actor}
        ins = upsert_insert(conn, gateway_connections)
        conn.execute(ins.values(org_id=org_id, gateway=gateway, **values)
                     .on_conflict_do_update(index_elements=["org_id", "gateway"], set_=values))
    return connections(rt, org_id)


def disconnect(rt, cmd: DisconnectGateway) -> None:
    """The deployment's own account (if any) serves the org again."""
    with rt.engine.begin() as conn:
        gone = conn.execute(delete(gateway_connections).where(gateway_connections.c.org_id == cmd.org_id,
                                                              gateway_connections.c.gateway == cmd.gateway)).rowcount
    if not gone:
        raise NotFound(f"No {cmd.gateway} connection for this org.")
    rt.ports["gateways"].forget(cmd.org_id, cmd.gateway)


def check_connection(rt, cmd: CheckGatewayConnection) -> dict:
    """Call the gateway with the org's stored keys (Stripe: read the balance; PayPal: get an
    access token) and record the outcome; answers {ok, detail} in words for the console."""
    org_id, gateway = cmd.org_id, cmd.gateway
    if gateway not in FIELDS:
        raise NotFound("No such payment gateway.")
    try:
        adapter = rt.ports["gateways"].own(org_id, gateway)
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
    try:
        adapter.verify_credentials()
    except PayPalGatewayError as exc:
        if exc.status in (400, 401, 403):
            return False, "PayPal refused the client id or secret."
        return False, "PayPal could not be reached; try again in a moment."
    return True, "Connected to PayPal: the client id and secret were accepted."
