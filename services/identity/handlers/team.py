"""The org's staff: roles and removal, by owners and admins (see domain/staff.py for the
rules). A removed member's sessions end at once and their credentials stop working."""
from __future__ import annotations

from sqlalchemy import func, select, update

from services.identity.domain.commands import ChangeStaffRole, RemoveStaff
from services.identity.domain.staff import StaffMember
from services.identity.handlers import sessions
from services.identity.projections.directory import staff
from services.identity.queries.sessions import user_by_id
from services.identity.tables import credentials


def _active_owners(conn, org_id: str) -> int:
    return conn.execute(select(func.count()).select_from(staff).where(
        staff.c.org_id == org_id, staff.c.role == "owner", staff.c.status == "active")).scalar_one()


def change_role(rt, cmd: ChangeStaffRole) -> None:
    with rt.store.unit_of_work() as uow:
        member = uow.load(StaffMember, cmd.staff_id, cmd.org_id)
        member.change_role(cmd.role, cmd.by_role, _active_owners(uow.conn, cmd.org_id))
        uow.add(member)
        uow.commit()


def remove(rt, cmd: RemoveStaff) -> None:
    org_id, staff_id = cmd.org_id, cmd.staff_id
    with rt.store.unit_of_work() as uow:
        member = uow.load(StaffMember, staff_id, org_id)
        member.remove(cmd.by_role, _active_owners(uow.conn, org_id))
        uow.conn.execute(update(credentials).where(credentials.c.user_id == staff_id).values(active=False))
        sessions.end_all(uow, user_by_id(uow.conn, org_id, staff_id), "revoked_by_staff")
        uow.add(member)
        uow.commit()
