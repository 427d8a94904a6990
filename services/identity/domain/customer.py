"""A customer of the business; its contacts (people) sign in to the portal. Its billing
address and tax id are what its invoices print under "Bill to" (billing keeps a copy)."""
from __future__ import annotations

import uuid

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError
from services.identity.domain.contact import ordered
from services.identity.domain.organization import MODULES
from services.identity.domain.postal import address_lines, tax_id

DETAILS = ("name", "email", "address", "tax_id")


def _checked(name: str, email: str, address, tax: str | None) -> dict:
    name, email = name.strip(), email.strip().lower()
    if not name:
        raise DomainError("A customer needs a name.", field="name")
    if "@" not in email:
        raise DomainError("That is not an e-mail address.", field="email")
    return {"name": name, "email": email, "address": address_lines(address, "address"),
            "tax_id": tax_id(tax, "tax_id")}


class Customer(Aggregate):
    aggregate_type = "Customer"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.name = ""
        self.email = ""
        self.address: list[str] = []
        self.tax_id: str | None = None
        self.modules: list[str] | None = None        # None: whatever the org switches on

    @classmethod
    def create(cls, org_id: str, name: str, email: str, external_ref: str | None = None,
               address=None, tax: str | None = None) -> "Customer":
        details = _checked(name, email, address, tax)
        customer = cls(str(uuid.uuid4()), org_id)
        customer.record("CustomerCreated", {"customer_id": customer.id, "external_ref": external_ref, **details})
        return customer

    def update(self, name: str, email: str, address, tax: str | None) -> None:
        """A snapshot of the details; nothing is recorded when nothing moved."""
        new = _checked(name, email, address, tax)
        changed = [k for k in DETAILS if new[k] != getattr(self, k)]
        if changed:
            self.record("CustomerUpdated", {"customer_id": self.id, "changed": changed, **new})

    def choose_modules(self, modules: list[str] | None) -> None:
        """Narrow the modules the customer's contacts may use (within the org's and each
        contact's own), or give them back (None). Nothing is recorded when nothing moved."""
        chosen = None if modules is None else ordered(modules, MODULES, "module", "modules")
        if chosen != self.modules:
            self.record("CustomerModulesChanged", {"customer_id": self.id, "modules": chosen})

    def when_CustomerModulesChanged(self, data: dict) -> None:
        self.modules = None if data["modules"] is None else list(data["modules"])

    def when_CustomerCreated(self, data: dict) -> None:
        self.name, self.email = data["name"], data["email"]
        self.address, self.tax_id = list(data.get("address") or []), data.get("tax_id")

    def when_CustomerUpdated(self, data: dict) -> None:
        self.name, self.email = data["name"], data["email"]
        self.address, self.tax_id = list(data["address"]), data["tax_id"]
