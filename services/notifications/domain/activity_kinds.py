"""The kinds of portal activity a staff member may be mailed about, which events make each
one, and how: not at all, at once, or in a daily digest. Pure data."""
from __future__ import annotations

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

_BY_TYPE = {t: kind for kind, types in ACTIVITY_KINDS.items() for t in types}


def activity_kind(event_type: str) -> str | None:
    """The kind an event belongs to, or None: that event is in the feed but mails nobody."""
    return _BY_TYPE.get(event_type)


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
