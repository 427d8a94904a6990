"""The org's staff: roles and removal, by owners and admins (see domain/staff.py for the
rules). A removed member's sessions end at once and their credentials stop working."""
from __future__ import annotations

from sqlalchemy import func, select, update

from services.identity import sessions
from services.identity.credentials import credentials
from services.identity.domain.staff import StaffMember
from services.identity.projections import staff


def _active_owners(conn, org_id: str) -> int:
    return conn.execute(select(func.count()).select_from(staff).where(
        staff.c.org_id == org_id, staff.c.role == "owner", staff.c.status == "active")).scalar_one()


def change_role(rt, org_id: str, staff_id: str, role: str, by_role: str) -> None:
    with rt.store.unit_of_work() as uow:
        member = uow.load(StaffMember, staff_id, org_id)
        member.change_role(role, by_role, _active_owners(uow.conn, org_id))
        uow.add(member)
        uow.commit()


def remove(rt, org_id: str, staff_id: str, by_role: str) -> None:
    with rt.store.unit_of_work() as uow:
        member = uow.load(StaffMember, staff_id, org_id)
        member.remove(by_role, _active_owners(uow.conn, org_id))
        uow.conn.execute(update(credentials).where(credentials.c.user_id == staff_id).values(active=False))
        sessions.end_all(uow, sessions.user_by_id(uow.conn, org_id, staff_id), "revoked_by_staff")
        uow.add(member)
        uow.commit()
