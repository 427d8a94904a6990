"""Businesses on one deployment, the operator's (issue 19), on SQLite and PostgreSQL: an org is
created with its first owner invited by mail (the command line), suspended (nobody of it signs
in, no session or key of it works, its data stays), resumed, and closed for good (its host
name is free for another org). Only the operator's system token may do any of it."""
from __future__ import annotations

import argparse
import uuid

from services.identity.adapters import outbox
from services.identity.api import cli
from tests.helpers.tokens import system
from tests.integration.identity.test_api_keys import exchange, make_key
from tests.integration.identity.test_signin import PASSWORD, portal  # noqa: F401 - the fixture


def operator(portal, action, **body):  # noqa: F811
    return portal.client.post(f"/orgs/{portal.org}/{action}", json=body, headers=system())


def test_a_suspended_org_keeps_its_data_but_nobody_of_it_gets_in_until_resumed(portal):  # noqa: F811
    contact_id, accepted = portal.active_contact()
    key = make_key(portal)["key"]
    staff = portal.client.post(f"/orgs/{portal.org}/suspend", json={"reason": "unpaid"})
    assert staff.status_code == 403                                    # not an owner's to do

    suspended = operator(portal, "suspend", reason="unpaid since March")
    assert suspended.status_code == 200 and suspended.get_json()["status"] == "suspended"
    assert portal.sign_in().status_code == 404
    assert portal.resolve(accepted["token"]).status_code in (401, 404)
    assert exchange(portal, key).status_code == 401
    assert portal.client.get(f"/orgs/{portal.org}/customers").status_code == 200    # its data stays
    [event] = portal.events("OrganizationSuspended")
    assert event.data["reason"] == "unpaid since March"

    assert operator(portal, "resume").get_json()["status"] == "active"
    assert portal.sign_in().status_code == 201
    assert exchange(portal, key).status_code == 200


def test_a_closed_orgs_host_is_free_for_another_and_nothing_of_it_opens_again(portal):  # noqa: F811
    host = f"portal-{uuid.uuid4().hex[:8]}.example"
    made = portal.client.post("/orgs", json={"name": "Old Co", "slug": f"old-{uuid.uuid4().hex[:8]}",
                                             "host": host}, headers=system()).get_json()
    closed = portal.client.post(f"/orgs/{made['org_id']}/close", json={}, headers=system())
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed" and closed.get_json()["host"] is None
    assert portal.client.get(f"/orgs/by-host/{host}").status_code == 404
    again = portal.client.post(f"/orgs/{made['org_id']}/resume", json={}, headers=system())
    assert again.status_code == 422 and "closed for good" in again.get_json()["detail"]
    reused = portal.client.post("/orgs", json={"name": "New Co", "slug": f"new-{uuid.uuid4().hex[:8]}",
                                               "host": host}, headers=system())
    assert reused.status_code == 201


def test_the_operators_command_creates_an_org_with_its_owner_invited(portal, capsys):  # noqa: F811
    slug = f"kite-{uuid.uuid4().hex[:8]}"
    args = argparse.Namespace(action="create", org=None, reason=None, name="Kite Ltd", slug=slug,
                              host=f"{slug}.example", owner_email="ana@kite.example", owner_name="Ana Owner",
                              link_base=None)
    assert cli.org(portal.rt, args) == 0
    outbox.hand_over(portal.rt, portal.mail)
    [mail] = [m for m in portal.mail.mails if m["to"] == "ana@kite.example"]
    assert mail["variables"]["link"].startswith(f"https://{slug}.example/")
    listed = argparse.Namespace(action="list", org=None, reason=None)
    assert cli.org(portal.rt, listed) == 0
    assert f"{slug}.example  Kite Ltd" in capsys.readouterr().out
    missing = argparse.Namespace(action="create", org=None, reason=None, name="X", slug=None, host=None,
                                 owner_email=None, owner_name=None, link_base=None)
    assert cli.org(portal.rt, missing) == 2


def test_the_owners_invitation_follows_portal_public_url_without_a_link_base(portal, monkeypatch):  # noqa: F811
    """`make up` serves at http://{host}:8000: the link must not be a bare https://<host>."""
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "http://{host}:8000")
    slug = f"wren-{uuid.uuid4().hex[:8]}"
    args = argparse.Namespace(action="create", org=None, reason=None, name="Wren Ltd", slug=slug,
                              host=f"{slug}.localhost", owner_email="wes@wren.example", owner_name="Wes Owner",
                              link_base=None)
    assert cli.org(portal.rt, args) == 0
    outbox.hand_over(portal.rt, portal.mail)
    [mail] = [m for m in portal.mail.mails if m["to"] == "wes@wren.example"]
    assert mail["variables"]["link"].startswith(f"http://{slug}.localhost:8000/invite/")
