"""An org's own domain names as staff read them: each with the TXT record to create, its
status and its last DNS look-up; and every verified domain (the Ingress rules)."""
from __future__ import annotations

from sqlalchemy import select

from services.chassis.db import read_only
from services.chassis.errors import NotFound
from services.identity.domain.domains import record_name
from services.identity.projections.directory import organizations
from services.identity.projections.domains import org_domains
from services.identity.tables import domain_checks


def _shown(row, target: str) -> dict:
    return {"domain": row.domain, "status": row.status, "added_at": row.added_at, "verified_at": row.verified_at,
            "record": {"type": "TXT", "name": record_name(row.domain), "value": row.record_value},
            "target": target or None,
            "last_check": ({"checked_at": row.checked_at, "outcome": row.outcome, "found": row.found}
                           if row.checked_at is not None else None)}


def _query():
    return (select(org_domains, domain_checks.c.checked_at, domain_checks.c.outcome, domain_checks.c.found)
            .outerjoin(domain_checks, domain_checks.c.domain == org_domains.c.domain))


def domains_of(rt, org_id: str) -> list[dict]:
    target = rt.config.setting("PORTAL_TARGET")
    with read_only(rt.engine) as conn:
        rows = conn.execute(_query().where(org_domains.c.org_id == org_id).order_by(org_domains.c.domain)).all()
    return [_shown(row, target) for row in rows]


def domain_of(rt, org_id: str, domain: str) -> dict:
    target = rt.config.setting("PORTAL_TARGET")
    with read_only(rt.engine) as conn:
        row = conn.execute(_query().where(org_domains.c.org_id == org_id,
                                          org_domains.c.domain == domain.lower())).first()
    if row is None:
        raise NotFound("This portal has no such domain.")
    return _shown(row, target)


def org_id_at(conn, host: str) -> str | None:
    """The org a verified domain serves (a pending one serves nobody)."""
    return conn.execute(select(org_domains.c.org_id).where(org_domains.c.domain == host,
                                                           org_domains.c.status == "verified")).scalar()


def verified_domains(rt) -> list[tuple[str, str]]:
    """(domain, org slug) of every verified domain of an open org, by domain."""
    with read_only(rt.engine) as conn:
        return [tuple(r) for r in conn.execute(
            select(org_domains.c.domain, organizations.c.slug)
            .join(organizations, organizations.c.org_id == org_domains.c.org_id)
            .where(org_domains.c.status == "verified", organizations.c.status != "closed")
            .order_by(org_domains.c.domain))]
