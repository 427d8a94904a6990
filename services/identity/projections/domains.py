"""An org's own domain names as the API and the gateway read them: pending until its TXT
record is found, then verified (served). The domain is the key: one org at a time holds a
name, pending or verified, so two orgs adding the same name meet a unique key here, in the
transaction of the second one's DomainAdded."""
from sqlalchemy import Column, String, Table, delete, insert, update

from services.chassis.projections import Projection
from services.identity.tables import metadata

org_domains = Table(
    "org_domains", metadata,
    Column("domain", String(253), primary_key=True),
    Column("org_id", String(64), nullable=False, index=True),
    Column("record_value", String(100), nullable=False),   # what its TXT record must say
    Column("status", String(10), nullable=False),          # pending | verified
    Column("added_at", String(40), nullable=False),         # the events' occurred_at (ISO 8601, UTC)
    Column("verified_at", String(40)),
)


class Domains(Projection):
    tables = (org_domains,)

    def when_DomainAdded(self, conn, e):
        conn.execute(insert(org_domains).values(domain=e.data["domain"], org_id=e.org_id, record_value=e.data["record_value"],
                                                status="pending", added_at=e.occurred_at))

    def when_DomainVerified(self, conn, e):
        conn.execute(update(org_domains).where(org_domains.c.domain == e.data["domain"],
                                               org_domains.c.org_id == e.org_id)
                     .values(status="verified", verified_at=e.occurred_at))

    def when_DomainRemoved(self, conn, e):
        conn.execute(delete(org_domains).where(org_domains.c.domain == e.data["domain"],
                                               org_domains.c.org_id == e.org_id))

    def when_OrganizationClosed(self, conn, e):
        """Like its host name: its domains are free for another org."""
        conn.execute(delete(org_domains).where(org_domains.c.org_id == e.org_id))
