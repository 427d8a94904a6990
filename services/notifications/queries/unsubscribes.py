"""Reading unsubscribe links and the list (handlers/unsubscribes.py says how they work):
what a token names, and whether a recipient unsubscribed from a topic."""
from __future__ import annotations

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select

from services.chassis.errors import NotFound
from services.notifications.tables import unsubscribe_keys, unsubscribes

SALT = "unsubscribe"
INVALID = "This unsubscribe link is not valid."


def secret_of(conn, org_id: str) -> str | None:
    """The org's signing key of unsubscribe links; None before its first link."""
    return conn.execute(select(unsubscribe_keys.c.secret).where(unsubscribe_keys.c.org_id == org_id)).scalar()


def read_token(conn, org_id: str, token: str) -> tuple[str, str]:
    """(recipient key, topic) of a token of this org; anything else is one and the same 404."""
    secret = secret_of(conn, org_id)
    if secret is None or len(token) > 1000:
        raise NotFound(INVALID)
    try:
        payload = URLSafeSerializer(secret, salt=SALT).loads(token)
    except BadData:
        raise NotFound(INVALID) from None
    if not (isinstance(payload, list) and len(payload) == 3 and payload[0] == org_id
            and all(isinstance(p, str) for p in payload)):
        raise NotFound(INVALID)
    return payload[1], payload[2]


def is_unsubscribed(conn, org_id: str, recipient: str, topic: str) -> bool:
    return conn.execute(select(unsubscribes.c.topic).where(
        unsubscribes.c.org_id == org_id, unsubscribes.c.recipient == recipient,
        unsubscribes.c.topic == topic)).first() is not None
