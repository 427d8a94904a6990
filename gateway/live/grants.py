"""Grants: what the Flask gateway hands a page so it may follow some topics on the live
channel, signed with the gateway's secret (itsdangerous), so the live process needs no
session look-up of its own. A grant lives `LIVE_GRANT_SECONDS`; a stream ends when its
grant does, and the page asks the Flask gateway for a new one (which checks the session
again): a person signed out or revoked stops receiving within that time."""
from __future__ import annotations

import time
from dataclasses import dataclass

from itsdangerous import BadData, URLSafeTimedSerializer

SALT = "portal.live.grant.v1"
SIDES = ("contact", "staff")


class GrantRefused(Exception):
    """The grant is missing, forged, altered, expired or malformed."""


@dataclass(frozen=True)
class Grant:
    org: str
    principal: str          # the contact's or staff member's id
    side: str               # contact | staff
    topics: tuple[str, ...]
    issued_at: float        # seconds since the epoch

    @property
    def person(self) -> str:
        """Whom the per-person cap counts."""
        return f"{self.org}/{self.side}:{self.principal}"


def _serializer(secret: str) -> URLSafeTimedSerializer:
    if not secret:
        raise ValueError("the live channel needs GATEWAY_SECRET_KEY (the same in every gateway process)")
    return URLSafeTimedSerializer(secret, salt=SALT)


def mint(secret: str, org: str, principal: str, side: str, topics: list[str]) -> str:
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}")
    return _serializer(secret).dumps({"o": org, "p": principal, "s": side, "t": list(topics)})


def check(secret: str, token: str, max_age: float) -> Grant:
    try:
        data, issued = _serializer(secret).loads(token or "", max_age=max_age, return_timestamp=True)
    except BadData as exc:
        raise GrantRefused(exc.__class__.__name__) from None
    if not (isinstance(data, dict) and data.get("s") in SIDES and isinstance(data.get("t"), list)
            and all(isinstance(data.get(k), str) and data.get(k) for k in ("o", "p"))
            and all(isinstance(t, str) for t in data["t"])):
        raise GrantRefused("malformed")
    if issued.timestamp() + max_age <= time.time():       # itsdangerous counts whole seconds
        raise GrantRefused("SignatureExpired")
    return Grant(data["o"], data["p"], data["s"], tuple(data["t"]), issued.timestamp())
