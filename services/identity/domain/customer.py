"""A customer of the business; its contacts (people) sign in to the portal."""
from __future__ import annotations

import uuid

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError


class Customer(Aggregate):
    aggregate_type = "Customer"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.name = ""
        self.email = ""

    @classmethod
    def create(cls, org_id: str, name: str, email: str, external_ref: str | None = None) -> "Customer":
        name, email = name.strip(), email.strip().lower()
        if not name:
            raise DomainError("A customer needs a name.", field="name")
        if "@" not in email:
            raise DomainError("That is not an e-mail address.", field="email")
        customer = cls(str(uuid.uuid4()), org_id)
        customer.record("CustomerCreated", {"customer_id": customer.id, "name": name, "email": email,
                                             "external_ref": external_ref})
        return customer

    def when_CustomerCreated(self, data: dict) -> None:
        self.name, self.email = data["name"], data["email"]
