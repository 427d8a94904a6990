"""A staff member: someone of the business who uses the staff console."""
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

    def when_StaffMemberAdded(self, data: dict) -> None:
        self.email, self.name, self.role = data["email"], data["name"], data["role"]
