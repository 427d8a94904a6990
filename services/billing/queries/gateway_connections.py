"""The org's own gateway accounts as the console shows them: never a secret, only whether
it is set and its last four characters (handlers/gateway_connections.py keeps them)."""
from __future__ import annotations

from sqlalchemy import select

from services.billing.domain.gateway_connection import FIELDS
from services.billing.tables import gateway_connections


def connections(rt, org_id: str) -> dict:
    """The org's connections, the default gateway it chose, and whether this deployment can
    keep secrets at all (its SECRETS_KEY)."""
    with rt.engine.connect() as conn:
        rows = conn.execute(select(gateway_connections).where(gateway_connections.c.org_id == org_id)
                            .order_by(gateway_connections.c.gateway)).all()
    default = next((r.gateway for r in rows if r.is_default), None)
    return {"items": [_view(r) for r in rows], "default_gateway": default,
            "secrets_key_configured": bool(rt.config.setting("SECRETS_KEY").strip())}


def _view(row) -> dict:
    public_names, secret_names, _ = FIELDS.get(row.gateway, ((), (), ()))
    view = {"gateway": row.gateway, "default": bool(row.is_default), "updated_at": row.updated_at,
            "webhook_path": f"/webhooks/{row.gateway}/{row.org_id}",
            "last_test": None if row.last_test_at is None else {
                "at": row.last_test_at, "ok": bool(row.last_test_ok), "detail": row.last_test_detail}}
    view.update({n: row.public.get(n) for n in public_names})
    view.update({n: {"set": n in row.secrets, "ends_in": row.hints.get(n)} for n in secret_names})
    return view
