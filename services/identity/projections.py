"""identity's read models, kept in step with its events."""
from sqlalchemy import JSON, Column, MetaData, String, Table, insert, update

from services.chassis.projections import Projection

metadata = MetaData()

organizations = Table(
    "organizations", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("slug", String(50), nullable=False, unique=True),
    Column("host", String(255), unique=True),
    Column("settings", JSON, nullable=False),
)

customers = Table(
    "customers", metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
)


class Directory(Projection):
    tables = (organizations, customers)

    def when_OrganizationCreated(self, conn, e):
        conn.execute(insert(organizations).values(
            org_id=e.org_id, name=e.data["name"], slug=e.data["slug"], host=e.data.get("host"),
            settings=e.data.get("settings") or {}))

    def when_PortalSettingsChanged(self, conn, e):
        conn.execute(update(organizations).where(organizations.c.org_id == e.org_id)
                     .values(settings=e.data["settings"]))

    def when_CustomerCreated(self, conn, e):
        conn.execute(insert(customers).values(customer_id=e.aggregate_id, org_id=e.org_id,
                                              name=e.data["name"], email=e.data["email"]))


def all_projections():
    return [Directory()]
