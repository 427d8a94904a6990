"""An org's own domain names through identity's API, on SQLite and PostgreSQL: added (pending,
never served), checked against a real DNS server on loopback (dnslib, UDP), verified (then
GET /orgs/by-host/<domain> finds the org), refused to a second org, removed; and the Ingress
the CronJob applies for every verified domain."""
from __future__ import annotations

import argparse
import json
import uuid

import pytest
from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from services.identity.api import domains_cli
from tests.helpers.tokens import bearer, system
from tests.integration.identity.test_signin import portal  # noqa: F401 - the fixture


class Zone(BaseResolver):
    """TXT records by name; a name it has nothing for does not exist (NXDOMAIN), a name in
    `empty` exists without a TXT record."""

    def __init__(self):
        self.txt: dict[str, list[str]] = {}
        self.empty: set[str] = set()

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        if name in self.txt and request.q.qtype == QTYPE.TXT:
            for value in self.txt[name]:
                reply.add_answer(RR(name, QTYPE.TXT, rdata=TXT(value), ttl=60))
        elif name not in self.txt and name not in self.empty:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


@pytest.fixture
def zone(monkeypatch):
    """A DNS server on a free loopback UDP port, identity's resolver pointed at it."""
    served = Zone()
    server = DNSServer(served, address="127.0.0.1", port=0, logger=DNSLogger(logf=lambda line: None))
    server.start_thread()
    monkeypatch.setenv("IDENTITY_DNS_NAMESERVER", f"127.0.0.1:{server.server.server_address[1]}")
    monkeypatch.setenv("IDENTITY_PORTAL_TARGET", "portals.example.net")
    yield served
    server.stop()


def fresh() -> str:
    return f"portal-{uuid.uuid4().hex[:8]}.acme.example"


def add(portal, domain, **headers):  # noqa: F811
    return portal.client.post(f"/orgs/{portal.org}/domains", json={"domain": domain}, headers=headers)


def check(portal, domain):  # noqa: F811
    return portal.client.post(f"/orgs/{portal.org}/domains/{domain}/check")


def by_host(portal, host):  # noqa: F811
    return portal.client.get(f"/orgs/by-host/{host}", headers={"Authorization": ""})


def test_a_domain_is_served_only_once_its_txt_record_is_found(portal, zone):  # noqa: F811
    domain = fresh()
    added = add(portal, domain.upper() + ".")
    assert added.status_code == 201, added.get_json()
    body = added.get_json()
    assert body["domain"] == domain and body["status"] == "pending" and body["last_check"] is None
    assert body["record"]["type"] == "TXT" and body["record"]["name"] == f"_portal-verify.{domain}"
    assert body["record"]["value"].startswith("portal-verify=") and len(body["record"]["value"]) > 30
    assert body["target"] == "portals.example.net"
    assert by_host(portal, domain).status_code == 404                     # pending: never served

    missing = check(portal, domain).get_json()
    assert missing["status"] == "pending"
    assert missing["last_check"]["outcome"] == "no_name" and missing["last_check"]["found"] == []
    zone.empty.add(f"_portal-verify.{domain}")
    assert check(portal, domain).get_json()["last_check"]["outcome"] == "no_record"
    zone.txt[f"_portal-verify.{domain}"] = ["portal-verify=someone-elses", "v=spf1 -all"]
    wrong = check(portal, domain).get_json()
    assert wrong["status"] == "pending" and wrong["last_check"]["outcome"] == "mismatch"
    assert wrong["last_check"]["found"] == ["portal-verify=someone-elses", "v=spf1 -all"]
    assert by_host(portal, domain).status_code == 404

    zone.txt[f"_portal-verify.{domain}"].append(body["record"]["value"])
    verified = check(portal, domain)
    assert verified.status_code == 200 and verified.get_json()["status"] == "verified"
    assert verified.get_json()["last_check"]["outcome"] == "verified" and verified.get_json()["verified_at"]
    found = by_host(portal, domain)
    assert found.status_code == 200 and found.get_json()["org_id"] == portal.org
    assert found.get_json()["host"] is None                 # links in mails keep the primary host
    assert [e.data["domain"] for e in portal.events("DomainAdded")] == [domain]
    [event] = portal.events("DomainVerified")
    assert event.data == {"org_id": portal.org, "domain": domain}
    assert check(portal, domain).status_code == 200 and len(portal.events("DomainVerified")) == 1


def test_a_dns_server_that_does_not_answer_is_said_plainly(portal, monkeypatch):  # noqa: F811
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:      # bound, never answers
        silent.bind(("127.0.0.1", 0))
        monkeypatch.setenv("IDENTITY_DNS_NAMESERVER", f"127.0.0.1:{silent.getsockname()[1]}")
        monkeypatch.setattr("services.identity.adapters.dns.TIMEOUT_S", 0.5)
        domain = fresh()
        add(portal, domain)
        answer = check(portal, domain).get_json()
    assert answer["status"] == "pending" and answer["last_check"]["outcome"] == "no_answer"


@pytest.mark.parametrize("name, says", [("10.0.0.7", "not an IP address"), ("localhost", "not a valid domain"),
                                        ("https://portal.acme.example/", "no https://"),
                                        ("bad_name.example", "not a valid domain"), ("a..example", "not a valid")])
def test_a_name_that_is_not_a_host_name_is_refused(portal, name, says):  # noqa: F811
    answer = add(portal, name)
    assert answer.status_code == 422 and says in answer.get_json()["errors"]["json"]["domain"][0]


def test_a_domain_of_another_org_or_an_orgs_host_cannot_be_added_and_five_at_most(portal, zone):  # noqa: F811
    domain = fresh()
    assert add(portal, domain).status_code == 201
    assert add(portal, domain).status_code == 422                         # already ours
    other = portal.client.post("/orgs", json={"name": "Other", "slug": f"other-{uuid.uuid4().hex[:8]}",
                                              "host": "portal.other.example"}, headers=system()).get_json()
    theirs = bearer("staff", other["org_id"], id=str(uuid.uuid4()), ttl_s=600)
    taken = portal.client.post(f"/orgs/{other['org_id']}/domains", json={"domain": domain}, headers=theirs)
    assert taken.status_code == 422 and "another portal" in taken.get_json()["errors"]["json"]["domain"][0]
    assert add(portal, "portal.other.example").status_code == 422        # another org's primary host
    for _ in range(4):
        assert add(portal, fresh()).status_code == 201
    assert "at most 5" in add(portal, fresh()).get_json()["errors"]["json"]["domain"][0]
    assert portal.client.get(f"/orgs/{other['org_id']}/domains").status_code in (403, 404)   # not its org


def test_a_removed_domain_serves_nothing_and_is_free_again(portal, zone):  # noqa: F811
    domain = fresh()
    record = add(portal, domain).get_json()["record"]
    zone.txt[record["name"]] = [record["value"]]
    assert check(portal, domain).get_json()["status"] == "verified"
    assert portal.client.delete(f"/orgs/{portal.org}/domains/{domain}").status_code == 204
    assert by_host(portal, domain).status_code == 404
    assert portal.client.get(f"/orgs/{portal.org}/domains").get_json() == []
    assert portal.client.delete(f"/orgs/{portal.org}/domains/{domain}").status_code == 404
    assert check(portal, domain).status_code == 404
    [removed] = portal.events("DomainRemoved")
    assert removed.data == {"org_id": portal.org, "domain": domain}
    other = portal.client.post("/orgs", json={"name": "Next", "slug": f"next-{uuid.uuid4().hex[:8]}"},
                               headers=system()).get_json()
    again = portal.client.post(f"/orgs/{other['org_id']}/domains", json={"domain": domain},
                               headers=bearer("staff", other["org_id"], id=str(uuid.uuid4()), ttl_s=600))
    assert again.status_code == 201, again.get_json()


def test_a_contact_or_a_staff_member_who_is_not_a_manager_may_not_touch_domains(portal):  # noqa: F811
    member = bearer("staff", portal.org, id=str(uuid.uuid4()), role="member", ttl_s=600)
    assert add(portal, fresh(), **member).status_code == 403
    contact = bearer("contact", portal.org, id=str(uuid.uuid4()), ttl_s=600)
    assert add(portal, fresh(), **contact).status_code == 403


def test_the_ingress_command_lists_every_verified_domain(portal, zone, capsys):  # noqa: F811
    pending, verified = fresh(), fresh()
    add(portal, pending)
    record = add(portal, verified).get_json()["record"]
    zone.txt[record["name"]] = [record["value"]]
    check(portal, verified)
    assert domains_cli.domains(portal.rt, argparse.Namespace(action="ingress", apply=False)) == 0
    manifest = json.loads(capsys.readouterr().out)
    hosts = [rule["host"] for rule in manifest["spec"]["rules"]]
    assert verified in hosts and pending not in hosts
    assert {"hosts": [verified], "secretName": f"{verified.replace('.', '-')}-tls"} in manifest["spec"]["tls"]
    assert manifest["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
