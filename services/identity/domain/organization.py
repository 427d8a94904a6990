"""An org is a business using the portal, with its portal settings."""
from __future__ import annotations

import re
import uuid

from contracts.events.identity import PORTAL_LANGUAGES, SETUP_CONFIRMED
from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError, NotFound
from services.identity.domain.branding import check_colour
from services.identity.domain.domains import MAX_DOMAINS, host_name
from services.identity.domain.postal import address_lines, tax_id

MODULES = ("invoices", "payments", "credit_notes", "sales_orders", "deliveries",
           "service_requests", "projects", "timesheets", "tickets", "documents", "quotes", "reviews")
SWITCHES = ("portal_enabled", "mfa_required", "self_signup", "forward_documents",
            "bulk_payments", "partial_payments", "share_tickets", "customer_uploads", "test_mode")
# Numbers the org sets, with their bounds (support reads them).
NUMBERS = {"ticket_reopen_days": (0, 365), "review_period_days": (1, 365), "upload_limit_mb": (1, 100)}
# The org as the seller on billing's documents: its postal address (lines) and tax id.
SELLER = ("seller_address", "seller_tax_id")
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$")
ORG_NAMESPACE = uuid.UUID("6f1c7e0a-3b5e-4f51-9d0a-8c1b2e6f4a10")


def default_settings() -> dict:
    return {"portal_enabled": True, "mfa_required": False, "self_signup": False,
            "forward_documents": True, "bulk_payments": True, "partial_payments": False, "share_tickets": False,
            "customer_uploads": True, "test_mode": True, "ticket_reopen_days": 14, "review_period_days": 30, "upload_limit_mb": 25,
            "modules": ["invoices", "payments", "tickets", "documents"],
            "brand_colour": None, "logo": None}


def org_id_for(slug: str) -> str:
    """Deterministic: creating the same org twice is a conflict, not a duplicate."""
    return str(uuid.uuid5(ORG_NAMESPACE, slug))


class Organization(Aggregate):
    aggregate_type = "Organization"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.name = ""
        self.slug = ""
        self.host: str | None = None
        self.settings: dict = {}
        self.status = "active"                  # active | suspended | closed
        self.domains: dict[str, dict] = {}     # its own domain names: {name: {"record_value", "verified"}}

    @classmethod
    def create(cls, name: str, slug: str, host: str | None = None) -> "Organization":
        name = name.strip()
        if not name:
            raise DomainError("An organization needs a name.", field="name")
        if not SLUG.match(slug):
            raise DomainError("The slug takes lower-case letters, digits and dashes.", field="slug")
        org_id = org_id_for(slug)
        org = cls(org_id, org_id)
        org.record("OrganizationCreated", {"org_id": org_id, "name": name, "slug": slug,
                                           "host": host.lower() if host else None,
                                           "settings": default_settings()})
        return org

    def change_settings(self, changes: dict) -> None:
        unknown = (set(changes) - set(SWITCHES) - set(NUMBERS) - set(SELLER)
                   - {"modules", "brand_colour", "setup_done", "default_language"})
        if unknown:
            raise DomainError(f"Unknown setting: {', '.join(sorted(unknown))}.")
        for key, (low, high) in NUMBERS.items():
            value = changes.get(key)
            if key in changes and (not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high):
                raise DomainError(f"Give a whole number of days from {low} to {high}.", field=key)
        if "seller_address" in changes:
            changes = {**changes, "seller_address": address_lines(changes["seller_address"], "seller_address")}
        if "seller_tax_id" in changes:
            changes = {**changes, "seller_tax_id": tax_id(changes["seller_tax_id"], "seller_tax_id")}
        if changes.get("brand_colour") is not None:
            changes = {**changes, "brand_colour": check_colour(changes["brand_colour"])}
        if "modules" in changes:
            bad = set(changes["modules"]) - set(MODULES)
            if bad:
                raise DomainError(f"Unknown module: {', '.join(sorted(bad))}.", field="modules")
            changes = {**changes, "modules": [m for m in MODULES if m in changes["modules"]]}
        if "default_language" in changes and changes["default_language"] not in PORTAL_LANGUAGES:
            raise DomainError("Choose one of the portal's languages.", field="default_language")
        if "setup_done" in changes:
            bad = set(changes["setup_done"]) - set(SETUP_CONFIRMED)
            if bad:
                raise DomainError(f"Unknown set-up step: {', '.join(sorted(bad))}.", field="setup_done")
            changes = {**changes, "setup_done": [step for step in SETUP_CONFIRMED if step in changes["setup_done"]]}
        self._settle(changes)

    # -- the operator's: a business's portal open, suspended, or closed for good --------------
    def suspend(self, reason: str) -> None:
        self._still_open()
        reason = (reason or "").strip()
        if not reason:
            raise DomainError("Say why the organization is suspended.", field="reason")
        if self.status != "suspended":
            self.record("OrganizationSuspended", {"org_id": self.id, "reason": reason[:500]})

    def resume(self) -> None:
        self._still_open()
        if self.status == "suspended":
            self.record("OrganizationResumed", {"org_id": self.id})

    def close(self) -> None:
        if self.status != "closed":
            self.record("OrganizationClosed", {"org_id": self.id})

    # -- its own domain names: added (pending), verified by a DNS TXT record, removed ----------
    def add_domain(self, name: str, record_value: str) -> str:
        """`record_value` is what its TXT record must say; the caller checked no other org has it."""
        self._still_open()
        name = host_name(name)
        if name in self.domains or name == self.host:
            raise DomainError(f"{name} is already one of this portal's domains.", field="domain")
        if len(self.domains) >= MAX_DOMAINS:
            raise DomainError(f"A portal has at most {MAX_DOMAINS} domains; remove one first.", field="domain")
        self.record("DomainAdded", {"org_id": self.id, "domain": name, "record_value": record_value})
        return name

    def verify_domain(self, name: str) -> None:
        self._still_open()
        if not self.domains[name]["verified"]:
            self.record("DomainVerified", {"org_id": self.id, "domain": name})

    def remove_domain(self, name: str) -> None:
        self.domain(name)
        self.record("DomainRemoved", {"org_id": self.id, "domain": name})

    def domain(self, name: str) -> dict:
        found = self.domains.get((name or "").lower())
        if found is None:
            raise NotFound("This portal has no such domain.")
        return found

    def when_DomainAdded(self, data: dict) -> None:
        self.domains[data["domain"]] = {"record_value": data["record_value"], "verified": False}

    def when_DomainVerified(self, data: dict) -> None:
        self.domains[data["domain"]]["verified"] = True

    def when_DomainRemoved(self, data: dict) -> None:
        self.domains.pop(data["domain"], None)

    def _still_open(self) -> None:
        if self.status == "closed":
            raise DomainError("This organization was closed for good.")

    def when_OrganizationSuspended(self, data: dict) -> None:
        self.status = "suspended"

    def when_OrganizationResumed(self, data: dict) -> None:
        self.status = "active"

    def when_OrganizationClosed(self, data: dict) -> None:
        self.status = "closed"
        self.domains = {}                   # like its host: free for another org

    def set_logo(self, version: str | None) -> None:
        """`version` names the stored image (its digest); None takes the logo away."""
        self._settle({"logo": version})

    def _settle(self, changes: dict) -> None:
        changed = sorted(k for k, v in changes.items() if self.settings.get(k) != v)
        if changed:
            self.record("PortalSettingsChanged", {"org_id": self.id, "changed": changed,
                                                  "settings": {**self.settings, **changes}})

    def when_OrganizationCreated(self, data: dict) -> None:
        self.name, self.slug, self.host = data["name"], data["slug"], data.get("host")
        self.settings = dict(data.get("settings") or {})

    def when_PortalSettingsChanged(self, data: dict) -> None:
        self.settings = dict(data["settings"])
