"""The deployment's key for the secrets billing keeps at rest (the orgs' own gateway keys):
Fernet (`cryptography`: AES-128-CBC + HMAC-SHA256) under SECRETS_KEY (a Fernet key:
`Fernet.generate_key()`, 44 base64 characters; keep it in the deployment's secret store).
The caller reads the setting (rt.config.setting("SECRETS_KEY")) and hands it in."""
from __future__ import annotations

from cryptography.fernet import Fernet

from services.chassis.errors import PortalError


class SecretsKeyMissing(PortalError):
    """BILLING_SECRETS_KEY is unset or not a Fernet key: no secret can be stored or read. A 409
    (the deployment's state refuses it) rather than a 5xx, whose detail the chassis hides:
    the console must be able to say what is missing."""
    status = 409
    title = "Not configured"


def fernet(key: str) -> Fernet:
    key = (key or "").strip()
    if not key:
        raise SecretsKeyMissing("Payment gateway secrets cannot be stored: this deployment has no encryption key "
                                "(BILLING_SECRETS_KEY). Ask your operator to set it.")
    try:
        return Fernet(key.encode())
    except ValueError:
        raise SecretsKeyMissing("Payment gateway secrets cannot be stored: BILLING_SECRETS_KEY is not a valid "
                                "Fernet key (44 url-safe base64 characters). Ask your operator to fix it.") from None
