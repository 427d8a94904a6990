"""Plain text as people type it, for comments and messages: one rule for every service.

Line breaks are kept (CRLF and CR become LF); other control characters are dropped
(PostgreSQL text cannot hold NUL, and they are never meant); the text is trimmed. Pages
show it escaped, as text, never as HTML."""
from __future__ import annotations

import re

from services.chassis.errors import DomainError

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EXCERPT = 200


def clean_text(value, field: str = "text", limit: int = 5000, required: bool = True,
               empty: str = "Write something first: an empty message is not sent.") -> str | None:
    """The cleaned text; empty is refused (with `empty`) when `required`, else None. Longer
    than `limit` characters after cleaning is refused, saying how long it is."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise DomainError(f"The {field} must be text.", field=field)
    text = CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        if required:
            raise DomainError(empty, field=field)
        return None
    if len(text) > limit:
        raise DomainError(f"The {field} is at most {limit} characters (this one has {len(text)}).", field=field)
    return text


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The start of a text on one line, for a mail's preview: at most `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"
