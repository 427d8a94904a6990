"""Service requests, as the portal and the console share them: the words for each status and
priority (orders' values, services/orders/API.md)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {"new": _l("New"), "in_progress": _l("In progress"), "waiting_on_customer": _l("Waiting for you"),
                 "resolved": _l("Resolved"), "closed": _l("Closed")}
STAFF_STATUS_LABELS = {**STATUS_LABELS, "waiting_on_customer": _l("Waiting on customer")}
PRIORITY_LABELS = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High"), "urgent": _l("Urgent")}
MAX_DESCRIPTION = 20_000
MAX_UPDATE = 5000
