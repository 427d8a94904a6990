"""The kinds of portal activity a staff member may be mailed about, which events make each
one, and how: not at all, at once, or in a daily digest. Pure data."""
from __future__ import annotations

from services.notifications.i18n import N_

MODES = ("off", "immediate", "daily")

ACTIVITY_KINDS: dict[str, tuple[str, ...]] = {
    "payments": ("PaymentSettled", "PaymentFailed", "PaymentRefunded", "OnlinePaymentRefused",
                 "PaymentReceivedAfterFailure"),
    "comments": ("CommentPosted",),
    "approvals": ("QuoteAccepted", "QuoteDeclined", "AgreementSigned", "TimesheetWeekApproved",
                  "TimesheetWeekDisputed"),
    "uploads": ("DocumentUploaded",),
    "tickets": ("TicketRaised", "ServiceRequestOpened"),
    "reviews": ("ReviewSubmitted",),
}

# What a mail calls each event (describe's words, marked for the catalogues: a staff member's
# mail has them in its language).
LABELS = {
    "PaymentSettled": N_("Payment settled"),
    "PaymentFailed": N_("Payment failed"),
    "PaymentRefunded": N_("Payment refunded"),
    "OnlinePaymentRefused": N_("Online payment refused"),
    "PaymentReceivedAfterFailure": N_("Payment received after failure"),
    "CommentPosted": N_("Comment posted"),
    "QuoteAccepted": N_("Quote accepted"),
    "QuoteDeclined": N_("Quote declined"),
    "AgreementSigned": N_("Agreement signed"),
    "TimesheetWeekApproved": N_("Timesheet week approved"),
    "TimesheetWeekDisputed": N_("Timesheet week disputed"),
    "DocumentUploaded": N_("Document uploaded"),
    "TicketRaised": N_("Ticket raised"),
    "ServiceRequestOpened": N_("Service request opened"),
    "ReviewSubmitted": N_("Review submitted"),
}

_BY_TYPE = {t: kind for kind, types in ACTIVITY_KINDS.items() for t in types}


def activity_kind(event_type: str) -> str | None:
    """The kind an event belongs to, or None: that event is in the feed but mails nobody."""
    return _BY_TYPE.get(event_type)


def label(event_type: str) -> str:
    """The event's words in English (a msgid when it is one of LABELS)."""
    return LABELS.get(event_type) or describe(event_type)


def describe(event_type: str) -> str:
    """`PaymentSettled` -> "Payment settled"."""
    words, word = [], ""
    for ch in event_type:
        if ch.isupper() and word:
            words.append(word)
            word = ""
        word += ch
    words.append(word)
    return " ".join([words[0], *(w.lower() for w in words[1:])])
