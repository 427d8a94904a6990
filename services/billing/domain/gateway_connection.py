"""What an org's own gateway account ("gateway connection") is made of, and the check of what
its owners type in the console: which fields each gateway has, which are secret, which are
required, and just enough of a look at each to catch a mix-up (a publishable key pasted as
the secret key)."""
from __future__ import annotations

from services.chassis.errors import DomainError

# gateway -> (public fields, secret fields, required fields)
FIELDS = {
    "stripe": (("publishable_key",), ("secret_key", "webhook_secret"), ("secret_key", "webhook_secret")),
    "paypal": (("client_id", "webhook_id"), ("client_secret",), ("client_id", "client_secret", "webhook_id")),
}
PREFIXES = {"secret_key": ("sk_", "rk_"), "webhook_secret": ("whsec_",), "publishable_key": ("pk_",)}
LABELS = {"secret_key": "secret key", "webhook_secret": "webhook signing secret", "publishable_key": "publishable key",
          "client_id": "client id", "client_secret": "client secret", "webhook_id": "webhook id"}


def check(gateway: str, body: dict) -> dict:
    """The fields given (blank ones left out), each checked just enough to catch a mix-up."""
    public, secret, _ = FIELDS[gateway]
    given = {}
    for name in (*public, *secret):
        value = (body.get(name) or "").strip()
        if not value:
            continue
        if len(value) > 500 or any(c.isspace() for c in value):
            raise DomainError(f"The {LABELS[name]} is one word of at most 500 characters.", field=name)
        prefixes = PREFIXES.get(name)
        if prefixes and not value.startswith(prefixes):
            raise DomainError(f"A Stripe {LABELS[name]} starts with {' or '.join(prefixes)}.", field=name)
        given[name] = value
    return given
