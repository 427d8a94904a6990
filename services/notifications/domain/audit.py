"""The audit log's words: which events change an org's configuration or who may reach what,
the area each belongs to, and the plain sentence an entry says. Pure: the names of people
(a staff member, a contact) come from `known.person(kind, id)`, which the projection answers
from what notifications knows of them.

Only events that are published are audited. Changes made without one (billing's gateway
connections and reminder schedule, support's canned replies) are not in the log: see
services/notifications/API.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from services.notifications.domain.webhook import UNREADABLE_REASON, readable

AREAS = {"settings": "Settings", "access": "Access", "keys": "API keys", "templates": "E-mail templates",
         "webhooks": "Webhooks", "customers": "Customer details"}

SETTING_LABELS = {
    "modules": "modules", "portal_enabled": "portal open", "mfa_required": "MFA required",
    "self_signup": "self sign-up", "forward_documents": "forwarding documents", "bulk_payments": "bulk payments",
    "partial_payments": "partial payments", "share_tickets": "shared tickets", "ticket_reopen_days": "ticket reopening",
    "review_period_days": "review period", "brand_colour": "brand colour", "logo": "logo",
    "customer_uploads": "customer uploads", "upload_limit_mb": "upload limit", "seller_address": "seller address",
    "seller_tax_id": "seller tax id", "test_mode": "test mode", "setup_done": "set-up steps done",
}
CUSTOMER_FIELDS = {"name": "name", "email": "e-mail", "address": "address", "tax_id": "tax id"}
MAX_LISTED = 5          # a webhook's event types and the like: this many by name, then "and N more"


@dataclass(frozen=True)
class Entry:
    area: str
    what: str
    subject: str | None
    subject_id: str | None


class Known(Protocol):
    """What notifications knows of the people and webhooks an event names (the projection's reads)."""

    def person(self, kind: str | None, person_id: str | None) -> str | None: ...

    def webhook_host(self, webhook_id: str | None) -> str | None: ...


def audit_entry(event_type: str, data: dict, actor: dict, known: Known) -> Entry | None:
    """What the audit log says about one event, or None: the event is not audited (another
    type, a person's own MFA or sign-out, a session ending by time-out)."""
    if event_type not in AUDITED:
        return None
    area, words = AUDITED[event_type]
    said = words(data, actor, known)
    if said is None:
        return None
    what, subject, subject_id = said
    return Entry(area, what[:500], subject[:200] if subject else None, subject_id)


def _listed(names) -> str:
    names = list(names)
    if not names:
        return "none"
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


def _setting(name: str, settings: dict) -> str:
    """`mfa_required` -> "MFA required on"; numbers with their new value; lists by name."""
    label, value = SETTING_LABELS.get(name, name.replace("_", " ")), settings.get(name)
    if isinstance(value, bool):
        return f"{label} {'on' if value else 'off'}"
    if isinstance(value, int):
        return f"{label} {value}"
    return label


def _settings(data, actor, known):
    changed, settings = data.get("changed") or [], data.get("settings") or {}
    if changed == ["logo"]:
        return ("Changed the logo" if settings.get("logo") else "Removed the logo"), "Logo", None
    return "Changed portal settings: " + ", ".join(_setting(n, settings) for n in changed), "Portal settings", None


def _staff_named(data, known) -> str:
    return data.get("name") or known.person("staff", data.get("staff_id")) or data.get("email") or "a staff member"


def _staff_invited(data, actor, known):
    name = _staff_named(data, known)
    return f"Invited {name} ({data.get('email')}) to the console as {data.get('role')}", name, data.get("staff_id")


def _staff_added(data, actor, known):
    name = _staff_named(data, known)
    return f"Added {name} ({data.get('email')}) to the console as {data.get('role')}", name, data.get("staff_id")


def _role_changed(data, actor, known):
    name = _staff_named(data, known)
    return (f"Changed the role of {name} from {data.get('previous_role')} to {data.get('role')}",
            name, data.get("staff_id"))


def _staff_removed(data, actor, known):
    name = _staff_named(data, known)
    return f"Removed {name} from the console", name, data.get("staff_id")


def _permissions(data, actor, known):
    name = known.person("contact", data.get("contact_id")) or "a contact"
    return (f"Changed the access of {name}: modules {_listed(data.get('modules') or [])}; "
            f"permissions {_listed(data.get('permissions') or [])}", name, data.get("contact_id"))


def _customer_modules(data, actor, known):
    """A customer's modules narrowed within the org's, or given back all of them (null). The
    customer is named by its id (subject_id): notifications keeps no customers' names."""
    modules = data.get("modules")
    if modules is None:
        return "Gave a customer every module the portal offers", None, data.get("customer_id")
    return f"Changed a customer's modules: {_listed(modules)}", None, data.get("customer_id")


def _by_staff_for_someone_else(data, actor) -> bool:
    return actor.get("kind") == "staff" and actor.get("id") != data.get("user_id")


def _mfa_reset(data, actor, known):
    """Staff resetting a person's two-step sign-in; a person switching their own off is not audited."""
    if not _by_staff_for_someone_else(data, actor):
        return None
    name = known.person(data.get("user_kind"), data.get("user_id")) or f"a {data.get('user_kind')}"
    return f"Reset the two-step sign-in of {name}", name, data.get("user_id")


def _session_revoked(data, actor, known):
    """Staff signing someone out; logouts, time-outs and a person's own password change are not audited."""
    if data.get("reason") != "revoked_by_staff" or not _by_staff_for_someone_else(data, actor):
        return None
    name = known.person(data.get("user_kind"), data.get("user_id")) or f"a {data.get('user_kind')}"
    return f"Signed {name} out (ended a session)", name, data.get("user_id")


def _key_created(data, actor, known):
    return (f"Created the API key {data.get('name')} ({data.get('prefix')}…) with the scopes "
            f"{_listed(data.get('scopes') or [])}", data.get("name"), data.get("key_id"))


def _key_revoked(data, actor, known):
    return f"Revoked the API key {data.get('name')}", data.get("name"), data.get("key_id")


def _template_name(data) -> str:
    return f"{str(data.get('kind', '')).replace('_', ' ')} ({data.get('locale')})"


def _template_changed(data, actor, known):
    name = _template_name(data)
    return f"Changed the e-mail template {name}", name, data.get("kind")


def _template_reset(data, actor, known):
    name = _template_name(data)
    return f"Reset the e-mail template {name} to the default", name, data.get("kind")


def _webhook_registered(data, actor, known):
    host = data.get("host")
    return (f"Added a webhook to {host} for {_listed(data.get('event_types') or [])}",
            host, data.get("webhook_id"))


def _webhook_disabled(data, actor, known):
    host = known.webhook_host(data.get("webhook_id")) or "an internal system"
    reason = readable(data.get("reason"), UNREADABLE_REASON)
    return f"Switched off the webhook to {host}: {reason}", host, data.get("webhook_id")


def _webhook_enabled(data, actor, known):
    host = known.webhook_host(data.get("webhook_id")) or "an internal system"
    return f"Switched on the webhook to {host}", host, data.get("webhook_id")


def _webhook_deleted(data, actor, known):
    host = known.webhook_host(data.get("webhook_id")) or "an internal system"
    return f"Deleted the webhook to {host}", host, data.get("webhook_id")


def _customer_updated(data, actor, known):
    fields = [CUSTOMER_FIELDS.get(n, n.replace("_", " ")) for n in data.get("changed") or []]
    return f"Changed the details of {data.get('name')}: {', '.join(fields)}", data.get("name"), data.get("customer_id")


AUDITED = {
    "PortalSettingsChanged": ("settings", _settings),
    "StaffInvited": ("access", _staff_invited), "StaffMemberAdded": ("access", _staff_added),
    "StaffRoleChanged": ("access", _role_changed), "StaffMemberRemoved": ("access", _staff_removed),
    "PermissionsChanged": ("access", _permissions), "CustomerModulesChanged": ("access", _customer_modules),
    "MfaDisabled": ("access", _mfa_reset),
    "SessionRevoked": ("access", _session_revoked),
    "ApiKeyCreated": ("keys", _key_created), "ApiKeyRevoked": ("keys", _key_revoked),
    "EmailTemplateChanged": ("templates", _template_changed), "EmailTemplateReset": ("templates", _template_reset),
    "WebhookRegistered": ("webhooks", _webhook_registered), "WebhookDisabled": ("webhooks", _webhook_disabled),
    "WebhookEnabled": ("webhooks", _webhook_enabled), "WebhookDeleted": ("webhooks", _webhook_deleted),
    "CustomerUpdated": ("customers", _customer_updated),
}


# -- the CSV export --------------------------------------------------------------------------
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")      # what a spreadsheet would run as a formula (OWASP)


def spreadsheet_safe(value) -> str:
    """A CSV cell no spreadsheet runs: text starting like a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
