"""A staff member: someone of the business who uses the staff console.

created -> invited -> active -> removed (or created -> active when added with a password).
The org keeps at least one active owner, and only owners make, unmake or remove owners:
an admin can never lock the owners out or raise themselves above their role."""
from __future__ import annotations

import uuid

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError
from services.identity.domain.contact import normal_email

ROLES = ("owner", "admin", "agent")
MANAGERS = ("owner", "admin")      # may change settings, permissions, MFA and sessions of others


class StaffMember(Aggregate):
    aggregate_type = "StaffMember"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.email = ""
        self.name = ""
        self.role = "agent"
        self.status = "created"

    @classmethod
    def add(cls, org_id: str, email: str, name: str, role: str) -> "StaffMember":
        name = (name or "").strip()
        if not name:
            raise DomainError("A staff member needs a name.", field="name")
        if role not in ROLES:
            raise DomainError("The role is owner, admin or agent.", field="role")
        member = cls(str(uuid.uuid4()), org_id)
        member.record("StaffMemberAdded", {"staff_id": member.id, "email": normal_email(email),
                                           "name": name, "role": role})
        return member

    def invite(self, expires_at: str) -> None:
        if self.status in ("active", "removed"):
            raise StaffConflict(f"{self.name} is {self.status}: there is nothing to accept.")
        self.record("StaffInvited", {"staff_id": self.id, "email": self.email, "name": self.name,
                                     "role": self.role, "expires_at": expires_at})

    def activate(self) -> None:
        if self.status not in ("created", "invited"):
            raise StaffConflict(f"{self.name} is {self.status} already.")
        self.record("StaffMemberActivated", {"staff_id": self.id, "email": self.email})

    def change_role(self, role: str, by_role: str, active_owners: int) -> None:
        if role not in ROLES:
            raise DomainError("The role is owner, admin or agent.", field="role")
        if role == self.role:
            return
        self._check_owner_rules(by_role, active_owners, "owner" in (role, self.role))
        self.record("StaffRoleChanged", {"staff_id": self.id, "role": role, "previous_role": self.role})

    def remove(self, by_role: str, active_owners: int) -> None:
        if self.status == "removed":
            return
        self._check_owner_rules(by_role, active_owners, self.role == "owner")
        self.record("StaffMemberRemoved", {"staff_id": self.id, "email": self.email})

    def _check_owner_rules(self, by_role: str, active_owners: int, touches_owner: bool) -> None:
        if touches_owner and by_role != "owner":
            raise OwnersOnly("Only an owner can make, change or remove an owner.")
        if self.role == "owner" and self.status == "active" and active_owners <= 1:
            raise StaffConflict("The organization needs at least one owner: make someone else owner first.")

    def when_StaffMemberAdded(self, data: dict) -> None:
        self.email, self.name, self.role = data["email"], data["name"], data["role"]

    def when_StaffInvited(self, data: dict) -> None:
        self.status = "invited"

    def when_StaffMemberActivated(self, data: dict) -> None:
        self.status = "active"

    def when_StaffRoleChanged(self, data: dict) -> None:
        self.role = data["role"]

    def when_StaffMemberRemoved(self, data: dict) -> None:
        self.status = "removed"


class StaffConflict(DomainError):
    status = 409
    title = "Conflict"


class OwnersOnly(DomainError):
    status = 403
    title = "Forbidden"
