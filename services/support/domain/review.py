"""A service review, or a rating of a resolved ticket's resolution (ReviewSubmitted).

Private: only staff read reviews; a contact's own submission is answered to them once and
never listed to any contact. One review of the service per contact per period (the org's
`review_period_days`, default 30, counted from their last one), and one rating per contact
per ticket, once it is resolved or closed (handlers/reviews.py holds the "one per" under
concurrent requests)."""
from __future__ import annotations

from services.chassis.aggregate import Aggregate
from services.chassis.errors import PortalError

DEFAULT_PERIOD_DAYS = 30
MAX_COMMENT = 2000


class AlreadyReviewed(PortalError):
    status = 409
    title = "Conflict"


class Review(Aggregate):
    aggregate_type = "Review"
