"""What a password must be (ASVS v5 6.2): at least 8 characters, up to 1,000, any
characters (spaces, emoji), no composition rules, not one of the commonly used ones."""
from __future__ import annotations

import unicodedata
from typing import Callable

from services.chassis.errors import DomainError

MIN_LENGTH = 8
MAX_LENGTH = 1000


def normal_password(password: str) -> str:
    """NFKC, so the same password typed on two keyboards matches; never truncated."""
    return unicodedata.normalize("NFKC", password or "")


def check_new_password(password: str, is_common: Callable[[str], bool], *,
                       email: str = "", name: str = "") -> str:
    password = normal_password(password)
    if len(password) < MIN_LENGTH:
        raise DomainError(f"Use at least {MIN_LENGTH} characters; a short sentence works well.",
                          field="password")
    if len(password) > MAX_LENGTH:
        raise DomainError(f"Use at most {MAX_LENGTH} characters.", field="password")
    lowered = password.lower()
    if is_common(lowered) or lowered in {email.lower(), email.lower().split("@")[0], name.lower()}:
        raise DomainError("That password is too common and easy to guess; choose another.",
                          field="password")
    return password
