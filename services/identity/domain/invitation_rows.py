"""One row of a bulk invitation (the console's CSV import, or any caller's list): its values
checked one by one, so that every bad row gets its own sentence naming what is wrong and
the good rows still go. Pure: which customer a row names is the handler's to look up."""
from __future__ import annotations

import re

from services.identity.domain.contact import LANGUAGES, PERMISSIONS

BULK_MAX_ITEMS = 5000
DEFAULT_PERMISSIONS = ("view",)
INVITATION_STATUSES = ("pending", "expired", "active", "not_invited", "disabled")   # the list's filter
# Stricter than normal_email's "has an @": a mail must be able to reach it (a dot in the domain).
EMAIL = re.compile(r"[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\".]+")


class RowProblem(Exception):
    """A sentence for the person who wrote the row, and the column it is about."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def checked_row(item: dict) -> dict:
    """The row's values made plain (e-mail lower case, permissions in their usual order), or
    RowProblem for the first value that is wrong."""
    customer = (item.get("customer") or "").strip()
    if not customer:
        raise RowProblem("customer", "the customer is missing")
    raw_email = (item.get("email") or "").strip()
    if not raw_email:
        raise RowProblem("email", "the e-mail address is missing")
    if not EMAIL.fullmatch(raw_email) or len(raw_email) > 320:
        raise RowProblem("email", f"the e-mail address '{raw_email}' is not valid")
    name = (item.get("name") or "").strip()
    if not name:
        raise RowProblem("name", "the name is missing")
    wanted = [p.strip().lower() for p in item.get("permissions") or [] if p and p.strip()]
    unknown = sorted(set(wanted) - set(PERMISSIONS))
    if unknown:
        raise RowProblem("permissions", f"the permission{'s' if len(unknown) > 1 else ''} "
                                        f"{', '.join(repr(p) for p in unknown)} "
                                        f"{'are' if len(unknown) > 1 else 'is'} not known "
                                        f"(known: {', '.join(PERMISSIONS)})")
    permissions = [p for p in PERMISSIONS if p in set(wanted)] or list(DEFAULT_PERMISSIONS)
    language = (item.get("language") or "").strip().lower() or None
    if language and language not in LANGUAGES:
        raise RowProblem("language", f"the language '{language}' is not offered ({', '.join(LANGUAGES)})")
    return {"customer": customer, "email": raw_email.lower(), "name": name, "permissions": permissions,
            "language": language, "create_customer": bool(item.get("create_customer"))}
