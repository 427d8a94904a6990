"""Links into the org's portal for mails: PORTAL_PUBLIC_URL ("https://{host}" unless set;
`make up` sets "http://{host}:8000") with the org's host, then the path."""
from __future__ import annotations

import os

from services.chassis import orgs


def portal_url(conn, org_id: str, path: str) -> str:
    host = orgs.get(conn, org_id).get("host") or "localhost"
    return os.environ.get("PORTAL_PUBLIC_URL", "https://{host}").format(host=host).rstrip("/") + path
