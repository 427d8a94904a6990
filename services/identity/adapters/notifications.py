"""The notifications service's e-mail API: identity hands it the mails that carry a link
with a secret token (invitations, password resets), which must never travel in an event."""
from __future__ import annotations

from typing import Callable

import requests


class MailRefused(Exception):
    """notifications answered, and said no (bad input): retrying will not help."""


class NotificationsClient:
    def __init__(self, base_url: str, token: Callable[[str], str], timeout: float = 3.0):
        self.base_url = base_url.rstrip("/")
        self.token = token              # org id -> an internal token identity signs for itself
        self.timeout = timeout
        self.session = requests.Session()

    def queue_email(self, org_id: str, body: dict) -> str:
        """Queue one mail; the body's idempotency_key makes a retry queue nothing new."""
        response = self.session.post(f"{self.base_url}/orgs/{org_id}/emails", json=body,
                                     headers={"Authorization": f"Bearer {self.token(org_id)}"},
                                     timeout=self.timeout)
        # 404: notifications has not heard of the org yet (its copy arrives by event): retry.
        if response.status_code in (400, 422):
            raise MailRefused(response.text[:300])
        response.raise_for_status()
        return response.json()["email_id"]
