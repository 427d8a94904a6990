"""What notifications can be asked to do, as the API builds it from a request: one frozen
dataclass per command, imperative names, one handler each (bootstrap.COMMAND_HANDLERS).
What other services' events make it do is in bootstrap.EVENT_HANDLERS."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class QueueEmail:
    """Another service's mail (invitations, resets ...): queued once per idempotency key."""
    org_id: str
    kind: str
    to: str
    variables: dict
    idempotency_key: str
    name: str | None = None
    locale: str | None = None           # None: the org's default language, else English
    customer_id: str | None = None
    contact_id: str | None = None
    staff_id: str | None = None


@dataclass(frozen=True)
class ResendEmail:
    org_id: str
    email_id: str


@dataclass(frozen=True)
class ChangeTemplate:
    org_id: str
    kind: str
    locale: str
    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True)
class ResetTemplate:
    org_id: str
    kind: str
    locale: str


@dataclass(frozen=True)
class RegisterWebhook:
    org_id: str
    url: str
    event_types: list[str]


@dataclass(frozen=True)
class SetWebhookActive:
    org_id: str
    webhook_id: str
    active: bool
    reason: str = ""


@dataclass(frozen=True)
class DeleteWebhook:
    org_id: str
    webhook_id: str


@dataclass(frozen=True)
class MarkFeedRead:
    org_id: str
    staff_id: str
    up_to: int | None = None               # None: everything there is now


@dataclass(frozen=True)
class SetMailPreferences:
    org_id: str
    staff_id: str
    choices: dict[str, str] = field(default_factory=dict)     # activity kind -> off | immediate | daily


@dataclass(frozen=True)
class Unsubscribe:
    """An unsubscribe link applied: the signed token names org, recipient and topic."""
    org_id: str
    token: str
