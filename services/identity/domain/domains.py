"""An org's own domain names (custom domains), and the DNS record that proves it holds one.

A domain is served only once its TXT record is found: anyone may type any name, so a name
that is merely added (pending) must never route a visitor to the org. The name is checked
here as a host name (lower-cased, no trailing dot, never an IP address); whether another org
already has it is the handler's question (it needs the directory)."""
from __future__ import annotations

import ipaddress
import re

from services.chassis.errors import DomainError

MAX_DOMAINS = 5
RECORD_PREFIX = "_portal-verify"
VALUE_PREFIX = "portal-verify="
LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def host_name(value: str) -> str:
    """`value` as the one spelling kept: lower-case, ASCII (IDNA), no trailing dot."""
    name = (value or "").strip().rstrip(".").lower()
    if name.startswith(("http://", "https://")) or "/" in name or ":" in name:
        raise DomainError("Give the domain name alone, like portal.example.com (no https:// and no path).",
                          field="domain")
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        raise DomainError("Give a domain name, not an IP address.", field="domain")
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise DomainError("This is not a valid domain name.", field="domain") from None
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(LABEL.match(label) for label in labels) \
            or labels[-1].isdigit():
        raise DomainError("This is not a valid domain name: use letters, digits, dashes and dots, "
                          "like portal.example.com.", field="domain")
    return name


def record_name(domain: str) -> str:
    """Where the TXT record goes."""
    return f"{RECORD_PREFIX}.{domain}"


def record_value(random: str) -> str:
    """What the TXT record must say."""
    return f"{VALUE_PREFIX}{random}"
