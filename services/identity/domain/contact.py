"""A contact: a person of a customer who signs in to the portal.

Its secrets (password hash, MFA secret, recovery codes, invitation tokens) never live in
its events: they stay in identity's own credential tables (see `tables.py`)."""
from __future__ import annotations

import uuid

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError
from services.identity.domain.organization import MODULES

PERMISSIONS = ("view", "download", "pay", "submit_tickets", "upload", "approve", "forward")
SIGNUP_PERMISSIONS = ("view", "download", "pay", "submit_tickets")     # what a self sign-up gets
LANGUAGES = ("en", "de", "fr", "ar", "es", "nl", "it", "pt")
# A contact's language is None until the invitation, the bulk import's row or the contact
# chooses one: pages then follow their browser (Accept-Language), mails the org's default.
NOTICES = ("invoices", "payments", "tickets", "documents", "orders")
PROFILE_FIELDS = ("name", "phone", "language", "address", "notify")
ADDRESS_FIELDS = ("line1", "line2", "city", "postcode", "country")
INVITATION_DAYS = 7            # an invitation link works this long (staff's too)


def mail_language(language: str | None, org_settings) -> str:
    """The language of a mail to someone: theirs, else the org's default language (a setting
    an org may not have), else English."""
    return language or (org_settings or {}).get("default_language") or "en"


def normal_email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@") or len(email) > 320:
        raise DomainError("That is not an e-mail address.", field="email")
    return email


def ordered(values, allowed: tuple, what: str, field: str) -> list[str]:
    bad = set(values) - set(allowed)
    if bad:
        raise DomainError(f"Unknown {what}: {', '.join(sorted(bad))}.", field=field)
    return [v for v in allowed if v in set(values)]


class Contact(Aggregate):
    aggregate_type = "Contact"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.customer_id = ""
        self.email = ""
        self.name = ""
        self.status = "created"           # created | invited | active (invitation or sign-up)
        self.permissions: list[str] = []
        self.modules: list[str] = list(MODULES)
        self.profile: dict = {"phone": None, "language": None, "address": {}, "notify": {}}

    @classmethod
    def add(cls, org_id: str, customer_id: str, email: str, name: str,
            permissions: list[str]) -> "Contact":
        name = (name or "").strip()
        if not name:
            raise DomainError("A contact needs a name.", field="name")
        contact = cls(str(uuid.uuid4()), org_id)
        contact.record("ContactAdded", {
            "contact_id": contact.id, "customer_id": customer_id, "email": normal_email(email),
            "name": name, "permissions": ordered(permissions, PERMISSIONS, "permission", "permissions")})
        return contact

    @classmethod
    def sign_up(cls, org_id: str, customer_id: str, email: str, name: str) -> "Contact":
        """A person who signed up on their own and proved the address: added and active at once."""
        contact = cls.add(org_id, customer_id, email, name, list(SIGNUP_PERMISSIONS))
        contact.record("ContactSignedUp", {"contact_id": contact.id, "customer_id": customer_id,
                                           "email": contact.email, "name": contact.name})
        return contact

    def limit_modules(self, grantable) -> None:
        """A contact added by an API key reaches only the modules the key holds: a key cannot
        grant what it does not hold (staff widen it in the console)."""
        modules = [m for m in self.modules if m in set(grantable)]
        if modules != self.modules:
            self.change_permissions(self.permissions, modules)

    def beyond(self, grantable) -> list[str]:
        """The modules this contact reaches that `grantable` does not hold."""
        return [m for m in self.modules if m not in set(grantable)]

    def invite(self, expires_at: str) -> None:
        if self.status == "active":
            raise DomainError("This contact has already accepted an invitation and can sign in.")
        self.record("ContactInvited", {"contact_id": self.id, "customer_id": self.customer_id,
                                       "email": self.email, "name": self.name, "expires_at": expires_at})

    def activate(self) -> None:
        if self.status != "invited":
            raise DomainError("This invitation is not valid any more.")
        self.record("ContactActivated", {"contact_id": self.id, "customer_id": self.customer_id,
                                         "email": self.email})

    def change_permissions(self, permissions: list[str], modules: list[str] | None = None) -> None:
        permissions = ordered(permissions, PERMISSIONS, "permission", "permissions")
        modules = self.modules if modules is None else ordered(modules, MODULES, "module", "modules")
        if permissions != self.permissions or modules != self.modules:
            self.record("PermissionsChanged", {"contact_id": self.id, "customer_id": self.customer_id,
                                               "modules": modules, "permissions": permissions})

    def update_profile(self, changes: dict) -> None:
        unknown = set(changes) - set(PROFILE_FIELDS)
        if unknown:
            raise DomainError(f"Unknown profile field: {', '.join(sorted(unknown))}.")
        current = self.profile_view()
        new = {**current}
        if "name" in changes:
            name = (changes["name"] or "").strip()
            if not name:
                raise DomainError("Your name cannot be empty.", field="name")
            new["name"] = name
        if "phone" in changes:
            new["phone"] = (changes["phone"] or "").strip() or None
        if "language" in changes:
            language = changes["language"] or None            # "" or None: not chosen
            if language is not None and language not in LANGUAGES:
                raise DomainError("That language is not offered.", field="language")
            new["language"] = language
        if "address" in changes:
            address = changes["address"] or {}
            ordered(address, ADDRESS_FIELDS, "address field", "address")
            new["address"] = {k: (address.get(k) or "").strip() for k in ADDRESS_FIELDS
                              if (address.get(k) or "").strip()}
        if "notify" in changes:
            notify = changes["notify"] or {}
            ordered(notify, NOTICES, "notice", "notify")
            new["notify"] = {k: bool(notify.get(k, True)) for k in NOTICES}
        changed = [k for k in PROFILE_FIELDS if new[k] != current[k]]
        if changed:
            self.record("ProfileUpdated", {"contact_id": self.id, "customer_id": self.customer_id,
                                           "changed": changed, "email": self.email, **new})

    def profile_view(self) -> dict:
        notify = {k: self.profile["notify"].get(k, True) for k in NOTICES}
        return {"name": self.name, "phone": self.profile["phone"], "language": self.profile["language"],
                "address": dict(self.profile["address"]), "notify": notify}

    def when_ContactAdded(self, data: dict) -> None:
        self.customer_id, self.email, self.name = data["customer_id"], data["email"], data["name"]
        self.permissions = list(data["permissions"])

    def when_ContactInvited(self, data: dict) -> None:
        self.status = "invited"

    def when_ContactActivated(self, data: dict) -> None:
        self.status = "active"

    def when_ContactSignedUp(self, data: dict) -> None:
        self.status = "active"

    def when_PermissionsChanged(self, data: dict) -> None:
        self.permissions, self.modules = list(data["permissions"]), list(data["modules"])

    def when_ProfileUpdated(self, data: dict) -> None:
        self.name = data["name"]
        self.profile = {"phone": data.get("phone"), "language": data.get("language"),
                        "address": dict(data.get("address") or {}), "notify": dict(data.get("notify") or {})}
