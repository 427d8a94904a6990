"""Secrets a service must read back (a TOTP seed, a webhook's signing secret) kept encrypted
at rest: Fernet (`cryptography`: AES-128-CBC + HMAC-SHA256) under the service's
<NAME>_SECRETS_KEY, one Fernet key or several separated by commas (the first encrypts,
all decrypt: rotate by putting a new key first). A sealed value is "enc:<token>".

Without a key (a development machine), values are stored as they are; a value stored before
a key was set is still read, and is sealed the next time it is written. A sealed value with
no key to open it is an error, never a silent blank."""
from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "enc:"


class SecretsKeyMissing(RuntimeError):
    """A sealed value, and no key (or not the right one) to open it."""


class SecretBox:
    def __init__(self, keys: str | None):
        keys = [k.strip() for k in (keys or "").split(",") if k.strip()]
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys]) if keys else None

    @property
    def sealing(self) -> bool:
        return self._fernet is not None

    def seal(self, value: str | None) -> str | None:
        if value is None or self._fernet is None or value.startswith(PREFIX):
            return value
        return PREFIX + self._fernet.encrypt(value.encode()).decode()

    def open(self, value: str | None) -> str | None:
        if value is None or not value.startswith(PREFIX):
            return value
        if self._fernet is None:
            raise SecretsKeyMissing("A secret is stored encrypted and this process has no key to read it.")
        try:
            return self._fernet.decrypt(value[len(PREFIX):].encode()).decode()
        except InvalidToken:
            raise SecretsKeyMissing("A secret is stored encrypted under a key this process does not have.") from None
