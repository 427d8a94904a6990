"""DNS look-ups for custom domains (dnspython): the TXT values at a name, and what went wrong.

The nameserver is a setting (IDENTITY_DNS_NAMESERVER=host or host:port; empty: the system's
resolvers), read on each look-up, so tests point it at a DNS server of their own on loopback."""
from __future__ import annotations

import dns.exception
import dns.resolver

TIMEOUT_S = 5.0


def resolver_for(nameserver: str) -> dns.resolver.Resolver:
    if not nameserver:
        resolver = dns.resolver.Resolver()
    else:
        host, _, port = nameserver.rpartition(":") if nameserver.count(":") == 1 else (nameserver, "", "")
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host]
        resolver.port = int(port or 53)
    resolver.lifetime = TIMEOUT_S
    resolver.cache = None                 # "Check now" means now: never an answer kept from before
    return resolver


def txt_values(name: str, nameserver: str = "") -> tuple[str, list[str]]:
    """(outcome, values): "found" with the TXT strings at `name`, else "no_name" (the name
    does not exist), "no_record" (it exists but has no TXT record) or "no_answer" (no server
    answered in time, or answered with an error)."""
    try:
        answer = resolver_for(nameserver).resolve(name, "TXT", search=False)
    except dns.resolver.NXDOMAIN:
        return "no_name", []
    except dns.resolver.NoAnswer:
        return "no_record", []
    except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.exception.DNSException):
        return "no_answer", []
    return "found", [b"".join(record.strings).decode("utf-8", "replace") for record in answer]
