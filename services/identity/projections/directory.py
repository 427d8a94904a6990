"""The directory: orgs, customers, contacts and staff as the API reads them, kept in step
with identity's events (their tables live here, on the service's one MetaData)."""
from sqlalchemy import JSON, Boolean, Column, Index, String, Table, insert, update

from services.chassis.projections import Projection
from services.identity.domain.contact import MODULES
from services.identity.tables import metadata

organizations = Table(
    "organizations", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("slug", String(50), nullable=False, unique=True),
    Column("host", String(255), unique=True),
    Column("settings", JSON, nullable=False),
    Column("status", String(10), nullable=False, server_default="active"),   # active suspended closed
)

customers = Table(
    "customers", metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("address", JSON),                 # billing address lines; null for customers made before it
    Column("tax_id", String(50)),
    Column("modules", JSON),                 # the modules its contacts may use within the org's; null: all
    Index("ix_customers_org_name", "org_id", "name", "customer_id"),
)

contacts = Table(
    "contacts", metadata,
    Column("contact_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False, index=True),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("permissions", JSON, nullable=False),
    Column("modules", JSON, nullable=False),
    Column("mfa_enabled", Boolean, nullable=False, default=False),
    Column("phone", String(50)),
    Column("language", String(10)),                 # None: not chosen
    Column("address", JSON, nullable=False),
    Column("notify", JSON, nullable=False),
)

staff = Table(
    "staff", metadata,
    Column("staff_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False, index=True),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(10), nullable=False),
    Column("mfa_enabled", Boolean, nullable=False, default=False),
    Column("status", String(10), nullable=False, server_default="active"),   # created invited active removed
)

ALL_MODULES = list(MODULES)            # a new contact may use whatever the org switches on


class Directory(Projection):
    tables = (organizations, customers, contacts, staff)

    def when_OrganizationCreated(self, conn, e):
        conn.execute(insert(organizations).values(
            org_id=e.org_id, name=e.data["name"], slug=e.data["slug"], host=e.data.get("host"),
            settings=e.data.get("settings") or {}))

    def when_OrganizationSuspended(self, conn, e):
        conn.execute(update(organizations).where(organizations.c.org_id == e.org_id).values(status="suspended"))

    def when_OrganizationResumed(self, conn, e):
        conn.execute(update(organizations).where(organizations.c.org_id == e.org_id).values(status="active"))

    def when_OrganizationClosed(self, conn, e):
        """Its host name is free for another org; nothing else of it is lost."""
        conn.execute(update(organizations).where(organizations.c.org_id == e.org_id)
                     .values(status="closed", host=None))

    def when_PortalSettingsChanged(self, conn, e):
        conn.execute(update(organizations).where(organizations.c.org_id == e.org_id)
                     .values(settings=e.data["settings"]))

    def when_CustomerCreated(self, conn, e):
        conn.execute(insert(customers).values(customer_id=e.aggregate_id, org_id=e.org_id,
                                              name=e.data["name"], email=e.data["email"] or "",
                                              address=e.data.get("address") or [], tax_id=e.data.get("tax_id")))

    def when_CustomerUpdated(self, conn, e):
        d = e.data
        conn.execute(update(customers).where(customers.c.customer_id == e.aggregate_id)
                     .values(name=d["name"], email=d["email"] or "", address=d["address"], tax_id=d["tax_id"]))

    def when_CustomerModulesChanged(self, conn, e):
        conn.execute(update(customers).where(customers.c.customer_id == e.aggregate_id)
                     .values(modules=e.data["modules"]))

    def when_ContactAdded(self, conn, e):
        d = e.data
        conn.execute(insert(contacts).values(
            contact_id=d["contact_id"], org_id=e.org_id, customer_id=d["customer_id"], email=d["email"],
            name=d["name"], status="created", permissions=d["permissions"], modules=ALL_MODULES,
            mfa_enabled=False, language=None, address={}, notify={}))

    def when_ContactInvited(self, conn, e):
        self._contact(conn, e, status="invited")

    def when_ContactActivated(self, conn, e):
        self._contact(conn, e, status="active")

    def when_ContactSignedUp(self, conn, e):
        self._contact(conn, e, status="active")

    def when_PermissionsChanged(self, conn, e):
        self._contact(conn, e, permissions=e.data["permissions"], modules=e.data["modules"])

    def when_ProfileUpdated(self, conn, e):
        d = e.data
        self._contact(conn, e, name=d["name"], phone=d.get("phone"), language=d.get("language"),
                      address=d.get("address") or {}, notify=d.get("notify") or {})

    def when_StaffMemberAdded(self, conn, e):
        d = e.data
        conn.execute(insert(staff).values(staff_id=d["staff_id"], org_id=e.org_id, email=d["email"],
                                          name=d["name"], role=d["role"], mfa_enabled=False, status="created"))

    def when_StaffInvited(self, conn, e):
        self._staff(conn, e, status="invited")

    def when_StaffMemberActivated(self, conn, e):
        self._staff(conn, e, status="active")

    def when_StaffRoleChanged(self, conn, e):
        self._staff(conn, e, role=e.data["role"])

    def when_StaffMemberRemoved(self, conn, e):
        self._staff(conn, e, status="removed")

    def when_MfaEnabled(self, conn, e):
        self._mfa(conn, e, True)

    def when_MfaDisabled(self, conn, e):
        self._mfa(conn, e, False)

    @staticmethod
    def _contact(conn, e, **values):
        conn.execute(update(contacts).where(contacts.c.contact_id == e.data["contact_id"],
                                            contacts.c.org_id == e.org_id).values(**values))

    @staticmethod
    def _staff(conn, e, **values):
        conn.execute(update(staff).where(staff.c.staff_id == e.data["staff_id"], staff.c.org_id == e.org_id)
                     .values(**values))

    @staticmethod
    def _mfa(conn, e, enabled: bool):
        table, key = (contacts, "contact_id") if e.data["user_kind"] == "contact" else (staff, "staff_id")
        conn.execute(update(table).where(table.c[key] == e.data["user_id"], table.c.org_id == e.org_id)
                     .values(mfa_enabled=enabled))
