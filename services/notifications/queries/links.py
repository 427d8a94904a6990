"""Links into the org's portal for mails: PORTAL_PUBLIC_URL ("https://{host}" unless set;
`make up` sets "http://{host}:8000"; NOTIFICATIONS_PORTAL_PUBLIC_URL wins) with the org's
host, then the path.

Read through Config when asked. The event handlers that build most links get no runtime
from the chassis (a handler is fn(event, uow)), so this reads through a Config of its own,
which reads the same environment as the runtime's."""
from __future__ import annotations

from services.chassis import orgs
from services.chassis.config import Config


def portal_url(conn, org_id: str, path: str) -> str:
    host = orgs.get(conn, org_id).get("host") or "localhost"
    public = Config.from_env("notifications").setting("PORTAL_PUBLIC_URL", "https://{host}")
    return public.format(host=host).rstrip("/") + path
