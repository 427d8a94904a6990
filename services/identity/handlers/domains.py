"""An org's own domain names: add (pending, with the TXT record to create), check now (DNS),
remove. A name is one org's at a time: another org's pending or verified domain, or another
org's primary host, is refused (and the projection's unique key settles a race)."""
from __future__ import annotations

import secrets
import time

from sqlalchemy import delete, select

from services.chassis.errors import DomainError
from services.identity.adapters.dns import txt_values
from services.identity.domain.commands import AddDomain, CheckDomain, RemoveDomain
from services.identity.domain.domains import host_name, record_name, record_value
from services.identity.domain.organization import Organization
from services.identity.projections.directory import organizations
from services.identity.projections.domains import org_domains
from services.identity.tables import domain_checks


def _taken(conn, name: str, org_id: str) -> bool:
    other_domain = conn.execute(select(org_domains.c.domain).where(org_domains.c.domain == name,
                                                                   org_domains.c.org_id != org_id)).first()
    other_host = conn.execute(select(organizations.c.org_id).where(organizations.c.host == name,
                                                                   organizations.c.org_id != org_id)).first()
    return other_domain is not None or other_host is not None


def add_domain(rt, cmd: AddDomain) -> str:
    name = host_name(cmd.domain)
    with rt.store.unit_of_work() as uow:
        if _taken(uow.conn, name, cmd.org_id):
            raise DomainError(f"{name} is already used by another portal.", field="domain")
        org = uow.load(Organization, cmd.org_id, cmd.org_id)
        org.add_domain(name, record_value(secrets.token_hex(16)))
        uow.add(org)
        uow.commit()
    return name


def check_domain(rt, cmd: CheckDomain) -> str:
    """Looks the TXT record up (outside the transaction: DNS may take seconds), then records
    what was found; the outcome is "verified" or why not (adapters/dns.py)."""
    with rt.store.unit_of_work() as uow:
        domain = uow.load(Organization, cmd.org_id, cmd.org_id).domain(cmd.domain)
    expected = domain["record_value"]
    name = cmd.domain.lower()
    outcome, found = txt_values(record_name(name), rt.config.setting("DNS_NAMESERVER"))
    if outcome == "found":
        outcome = "verified" if expected in found else "mismatch"
    with rt.store.unit_of_work() as uow:
        org = uow.load(Organization, cmd.org_id, cmd.org_id)
        org.domain(name)                         # removed meanwhile: 404
        if outcome == "verified":
            org.verify_domain(name)
            uow.add(org)
        uow.conn.execute(delete(domain_checks).where(domain_checks.c.domain == name))
        uow.conn.execute(domain_checks.insert().values(domain=name, org_id=cmd.org_id, checked_at=time.time(),
                                                       outcome=outcome, found=found[:10]))
        uow.commit()
    return outcome


def remove_domain(rt, cmd: RemoveDomain) -> None:
    with rt.store.unit_of_work() as uow:
        org = uow.load(Organization, cmd.org_id, cmd.org_id)
        name = cmd.domain.lower()
        org.remove_domain(name)
        uow.conn.execute(delete(domain_checks).where(domain_checks.c.domain == name))
        uow.add(org)
        uow.commit()
