"""A webhook: an internal system's URL subscribed to event types, signed with a
per-endpoint secret. Pure Python: the service checks the event types it knows."""
from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError

ALL_EVENTS = "*"
# What an HTTP library says when it fails ("HTTPSConnectionPool(host=...): Max retries
# exceeded ... (Caused by NameResolutionError(...))"). Attempts record plain sentences
# (adapters/webhook_http.py); text like this is only in what was recorded before they did,
# and is never shown: a plain sentence stands in for it (`readable`).
LIBRARY_TEXT = re.compile(r"ConnectionPool\(|Max retries exceeded|Caused by|\w+Error\(|\[Errno|object at 0x")
UNREADABLE_FAILURE = "The delivery failed; the details were not kept."
UNREADABLE_REASON = "Deliveries failed many times in a row."


def readable(text: str | None, instead: str) -> str | None:
    return instead if text and LIBRARY_TEXT.search(text) else text


class Webhook(Aggregate):
    aggregate_type = "Webhook"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.host = ""
        self.event_types: list[str] = []
        self.active = False
        self.deleted = False

    @classmethod
    def register(cls, org_id: str, url: str, event_types: list[str], known_types: set[str],
                 allow_http: bool = False) -> "Webhook":
        parts = urlsplit(url)
        schemes = {"https", "http"} if allow_http else {"https"}
        if parts.scheme not in schemes or not parts.hostname:
            raise DomainError("A webhook needs an https:// URL.", field="url")
        if parts.username or parts.password:
            raise DomainError("Put no credentials in the URL; deliveries are signed.", field="url")
        types = sorted(set(event_types))
        unknown = [t for t in types if t != ALL_EVENTS and t not in known_types]
        if not types or unknown:
            raise DomainError(f"Unknown event type: {', '.join(unknown) or '(none given)'}.",
                              field="event_types")
        hook = cls(str(uuid.uuid4()), org_id)
        hook.record("WebhookRegistered", {"webhook_id": hook.id, "host": parts.hostname,
                                          "event_types": types})
        return hook

    def disable(self, reason: str) -> None:
        if self.active:
            self.record("WebhookDisabled", {"webhook_id": self.id, "reason": reason[:500]})

    def enable(self) -> None:
        if not self.active:
            self.record("WebhookEnabled", {"webhook_id": self.id})

    def delete(self) -> None:
        if not self.deleted:
            self.record("WebhookDeleted", {"webhook_id": self.id})

    def wants(self, event_type: str) -> bool:
        return self.active and not self.deleted and (ALL_EVENTS in self.event_types
                                                     or event_type in self.event_types)

    def when_WebhookRegistered(self, data: dict) -> None:
        self.host, self.event_types, self.active = data["host"], list(data["event_types"]), True

    def when_WebhookDisabled(self, data: dict) -> None:
        self.active = False

    def when_WebhookEnabled(self, data: dict) -> None:
        self.active = True

    def when_WebhookDeleted(self, data: dict) -> None:
        self.active, self.deleted = False, True


def retry_delay(attempts: int, base_seconds: float, cap_seconds: float = 3600.0) -> float:
    """Exponential backoff after the n-th failed attempt: base, 2*base, 4*base ... capped."""
    return min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1))
