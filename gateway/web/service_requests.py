"""Service requests, as the portal and the console share them: the words for each status and
priority (orders' values, services/orders/API.md)."""
from __future__ import annotations

STATUS_LABELS = {"new": "New", "in_progress": "In progress", "waiting_on_customer": "Waiting for you",
                 "resolved": "Resolved", "closed": "Closed"}
STAFF_STATUS_LABELS = {**STATUS_LABELS, "waiting_on_customer": "Waiting on customer"}
PRIORITY_LABELS = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}
MAX_DESCRIPTION = 20_000
MAX_UPDATE = 5000
