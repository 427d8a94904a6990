"""Password and recovery-code hashing with argon2id (argon2-cffi).

The defaults are OWASP's minimum (m=19 MiB, t=2, p=1): safe, and cheap enough that
sign-in throttling, not the hash, bounds the CPU an attacker can burn. bootstrap builds one
per process from ARGON2_TIME_COST, ARGON2_MEMORY_KIB and ARGON2_PARALLELISM."""
from __future__ import annotations

import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    def __init__(self, time_cost: int = 2, memory_kib: int = 19456, parallelism: int = 1):
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        # A hash of a random password: unknown users pay the same verify cost (no timing oracle).
        self._dummy: str | None = None

    def hash_secret(self, secret: str) -> str:
        return self._hasher.hash(secret)

    def verify(self, stored: str | None, secret: str) -> bool:
        """Constant work whether or not there is a stored hash."""
        if self._dummy is None:
            self._dummy = self._hasher.hash(os.urandom(16).hex())
        try:
            return self._hasher.verify(stored or self._dummy, secret) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)
