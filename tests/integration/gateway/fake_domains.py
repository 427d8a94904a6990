"""The in-memory identity's custom domains (API.md, "Custom domains"): added pending with a TXT
record to create, checked against `txt` (what DNS would answer: record name -> values),
verified, removed; a verified domain finds its org by host. Mixed into FakeIdentity."""
from __future__ import annotations

import secrets
import time

from services.chassis.errors import DomainError
from services.identity.domain.domains import MAX_DOMAINS, host_name, record_name, record_value


class FakeDomains:
    def init_domains(self) -> None:
        self.domains: dict[str, dict] = {}           # domain -> its API answer plus "org_id"
        self.txt: dict[str, list[str]] = {}          # what DNS answers: record name -> TXT values
        org = r"/orgs/(?P<org>[^/]+)"
        self.routes[:0] = [("GET", r"/orgs/by-host/(?P<host>[^/]+)", self._domain_by_host)]
        self.routes += [("GET", org + "/domains", self._list_domains), ("POST", org + "/domains", self._add_domain),
                        ("POST", org + "/domains/(?P<domain>[^/]+)/check", self._check_domain),
                        ("DELETE", org + "/domains/(?P<domain>[^/]+)", self._remove_domain)]

    def add_domain_of(self, org: dict, domain: str, verified: bool = False) -> dict:
        """Seeding: a domain of `org`, pending or verified."""
        added = self._add_domain({"domain": domain}, org["org_id"])
        if verified:
            self.txt[added["record"]["name"]] = [added["record"]["value"]]
            self._check_domain({}, org["org_id"], domain)
        return self.domains[domain]

    def _shown(self, domain: str) -> dict:
        return {k: v for k, v in self.domains[domain].items() if k != "org_id"}

    def _mine(self, org: str, domain: str) -> dict:
        found = self.domains.get(domain.lower())
        if found is None or found["org_id"] != org:
            self.problem(404, "This portal has no such domain.")
        return found

    def _domain_by_host(self, body, host):
        found = self.domains.get(host.lower())
        if found and found["status"] == "verified":
            return self._org(found["org_id"])
        return self._org_by_host(body, host)

    def _list_domains(self, body, org):
        self._org(org)
        return [self._shown(d) for d in sorted(self.domains) if self.domains[d]["org_id"] == org]

    def _add_domain(self, body, org):
        self._org(org)
        try:
            name = host_name(body["domain"])
        except DomainError as error:
            self.problem(422, error.detail, {"json": {"domain": [error.detail]}})
        mine = [d for d in self.domains.values() if d["org_id"] == org]
        taken = name in self.domains or any(o["host"] == name for o in self.orgs.values())
        for refused, detail in ((taken, f"{name} is already used by another portal."),
                                (len(mine) >= MAX_DOMAINS, f"A portal has at most {MAX_DOMAINS} domains; "
                                                           "remove one first.")):
            if refused:
                self.problem(422, detail, {"json": {"domain": [detail]}})
        self.domains[name] = {"org_id": org, "domain": name, "status": "pending", "added_at": "2026-12-08T00:00:00Z",
                              "verified_at": None, "target": "portals.example.net", "last_check": None,
                              "record": {"type": "TXT", "name": record_name(name),
                                         "value": record_value(secrets.token_hex(16))}}
        return self._shown(name)

    def _check_domain(self, body, org, domain):
        found = self._mine(org, domain)
        values = self.txt.get(found["record"]["name"])
        outcome = ("no_name" if values is None else "no_record" if not values
                   else "verified" if found["record"]["value"] in values else "mismatch")
        found["last_check"] = {"checked_at": time.time(), "outcome": outcome, "found": list(values or [])}
        if outcome == "verified":
            found["status"], found["verified_at"] = "verified", "2026-12-08T00:01:00Z"
        return self._shown(found["domain"])

    def _remove_domain(self, body, org, domain):
        self._mine(org, domain)
        del self.domains[domain.lower()]
