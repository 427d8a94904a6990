"""Password and recovery-code hashing with argon2id (argon2-cffi).

The defaults are OWASP's minimum (m=19 MiB, t=2, p=1): safe, and cheap enough that
sign-in throttling, not the hash, bounds the CPU an attacker can burn."""
from __future__ import annotations

import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher: PasswordHasher | None = None
# A hash of a random password: unknown users pay the same verify cost (no timing oracle).
_DUMMY: str | None = None


def hasher() -> PasswordHasher:
    global _hasher, _DUMMY
    if _hasher is None:
        _hasher = PasswordHasher(
            time_cost=int(os.environ.get("ARGON2_TIME_COST", "2")),
            memory_cost=int(os.environ.get("ARGON2_MEMORY_KIB", "19456")),
            parallelism=int(os.environ.get("ARGON2_PARALLELISM", "1")))
        _DUMMY = _hasher.hash(os.urandom(16).hex())
    return _hasher


def hash_secret(secret: str) -> str:
    return hasher().hash(secret)


def verify(stored: str | None, secret: str) -> bool:
    """Constant work whether or not there is a stored hash."""
    h = hasher()
    try:
        return h.verify(stored or _DUMMY, secret) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return hasher().check_needs_rehash(stored)
