"""Staff and contacts: adding them, their permissions and profiles. Each gets a login
(a credentials row) in the same transaction as the event that adds them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.chassis.errors import DomainError, NotFound
from services.identity.adapters import common_passwords
from services.identity.domain.commands import AddContact, AddStaff, ChangePermissions, UpdateProfile
from services.identity.domain.contact import Contact
from services.identity.domain.passwords import check_new_password
from services.identity.domain.staff import StaffMember
from services.identity.projections.directory import customers
from services.identity.queries.directory import find_org
from services.identity.tables import credentials


class Conflict(DomainError):
    status = 409
    title = "Conflict"


def add_credentials(conn, org_id, kind, user_id, email, password_hash=None, active=False) -> None:
    try:            # the unit of work rolls back on the way out of the error
        conn.execute(credentials.insert().values(
            user_id=user_id, org_id=org_id, kind=kind, email=email, password_hash=password_hash,
            mfa_last_step=0, active=active))
    except IntegrityError:
        who = "contact" if kind == "contact" else "staff member"
        raise Conflict(f"There is already a {who} with this e-mail address.", field="email") from None


def add_staff(rt, cmd: AddStaff) -> str:
    org_id = cmd.org_id
    member = StaffMember.add(org_id, cmd.email, cmd.name, cmd.role)
    pw_hash = None
    if cmd.password:
        pw_hash = rt.ports["hasher"].hash_secret(check_new_password(
            cmd.password, common_passwords.is_common, email=member.email, name=member.name))
    with rt.store.unit_of_work() as uow:
        find_org(uow.conn, org_id=org_id)
        add_credentials(uow.conn, org_id, "staff", member.id, member.email, pw_hash, active=bool(pw_hash))
        if pw_hash:
            member.activate()
        uow.add(member)
        uow.commit()
    return member.id


def add_contact(rt, cmd: AddContact) -> str:
    org_id, customer_id = cmd.org_id, cmd.customer_id
    with rt.store.unit_of_work() as uow:
        found = uow.conn.execute(select(customers.c.customer_id).where(
            customers.c.customer_id == customer_id, customers.c.org_id == org_id)).first()
        if found is None:
            raise NotFound("No such customer.")
        contact = Contact.add(org_id, customer_id, cmd.email, cmd.name, cmd.permissions)
        if cmd.grantable is not None:
            contact.limit_modules(cmd.grantable)
        add_credentials(uow.conn, org_id, "contact", contact.id, contact.email)
        uow.add(contact)
        uow.commit()
    return contact.id


def change_permissions(rt, cmd: ChangePermissions) -> None:
    with rt.store.unit_of_work() as uow:
        contact = uow.load(Contact, cmd.contact_id, cmd.org_id)
        contact.change_permissions(cmd.permissions, cmd.modules)
        uow.add(contact)
        uow.commit()


def update_profile(rt, cmd: UpdateProfile) -> dict:
    with rt.store.unit_of_work() as uow:
        contact = uow.load(Contact, cmd.contact_id, cmd.org_id)
        contact.update_profile(cmd.changes)
        uow.add(contact)
        uow.commit()
    return contact.profile_view()
