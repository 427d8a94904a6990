"""Inviting many contacts at once through identity's API, on SQLite and PostgreSQL: a result
per item, nothing sent by a dry run, nobody invited twice, never another org's customer; the
invitations list and resending with its rate limit."""
from __future__ import annotations

import time
import uuid

from sqlalchemy import update

from services.identity.adapters import outbox
from services.identity.tables import invitations
from tests.helpers.tokens import bearer, system
from tests.integration.identity.test_signin import PASSWORD, portal  # noqa: F401 - the fixture

LINK = "https://portal.acme.test"


def bulk(portal, items, dry_run=False):  # noqa: F811
    answer = portal.post("/invitations/bulk", {"link_base": LINK, "items": items, "dry_run": dry_run})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def person(customer, n, **extra):
    return {"customer": customer, "email": f"p{n}@bolt.test", "name": f"Person {n}", **extra}


def test_each_item_gets_its_own_result_and_a_dry_run_sends_nothing(portal):  # noqa: F811
    customer_id = portal.customer("Bolt Ltd")
    items = [person("Bolt Ltd", 1), person(customer_id, 2, permissions=["view", "pay"], language="de"),
             {"customer": "bolt ltd", "email": "bob@", "name": "Bob"},
             person("Nobody Ltd", 4), person("Bolt Ltd", 1),
             person("Bolt Ltd", 6, permissions=["fly"]), person("Bolt Ltd", 7, language="xx")]
    preview = bulk(portal, items, dry_run=True)
    outcomes = [(r["outcome"], r.get("field")) for r in preview["items"]]
    assert outcomes == [("invite", None), ("invite", None), ("failed", "email"), ("failed", "customer"),
                        ("failed", "email"), ("failed", "permissions"), ("failed", "language")]
    assert preview["items"][2]["message"] == "the e-mail address 'bob@' is not valid"
    assert "twice" in preview["items"][4]["message"]
    assert portal.events("ContactAdded") == [] and portal.events("ContactInvited") == []

    done = bulk(portal, items)
    assert done["counts"] == {"invited": 2, "failed": 5}
    assert [r["customer_id"] for r in done["items"][:2]] == [customer_id, customer_id]
    second = portal.client.get(f"/orgs/{portal.org}/contacts/{done['items'][1]['contact_id']}").get_json()
    assert second["permissions"] == ["view", "pay"] and second["status"] == "invited"
    assert [e.data["language"] for e in portal.events("ProfileUpdated")] == ["de"]
    outbox.hand_over(portal.rt, portal.mail)
    assert sorted(m["to"] for m in portal.mail.mails) == ["p1@bolt.test", "p2@bolt.test"]
    assert {m["locale"] for m in portal.mail.mails} == {"en", "de"}


def test_the_same_list_twice_invites_nobody_twice(portal):  # noqa: F811
    portal.customer("Bolt Ltd")
    items = [person("Bolt Ltd", n) for n in range(5)]
    assert bulk(portal, items)["counts"] == {"invited": 5}
    token = portal.invite(bulk(portal, [person("Bolt Ltd", 0)], dry_run=True)["items"][0]["contact_id"])
    assert portal.post("/invitations/accept", {"token": token, "password": PASSWORD}).status_code == 201
    again = bulk(portal, items)
    assert again["counts"] == {"already_contact": 1, "already_invited": 4}
    assert len(portal.events("ContactInvited")) == 6               # five, and the one resent by hand
    assert len(portal.events("ContactAdded")) == 5


def test_an_address_of_another_customer_is_refused_and_a_contact_not_yet_invited_is_invited(portal):  # noqa: F811
    bolt, nut = portal.customer("Bolt Ltd"), portal.customer("Nut Ltd")
    portal.contact(nut, "p1@bolt.test")
    waiting = portal.contact(bolt, "p2@bolt.test")
    done = bulk(portal, [person("Bolt Ltd", 1), person("Bolt Ltd", 2)])["items"]
    assert done[0]["outcome"] == "failed" and done[0]["message"].endswith("belongs to a contact of Nut Ltd")
    assert done[1]["outcome"] == "invited" and done[1]["contact_id"] == waiting


def test_missing_customers_are_made_once_when_asked(portal):  # noqa: F811
    items = [person("Newco", 1, create_customer=True), person("Newco", 2, create_customer=True),
             person("Other New", 3)]
    preview = bulk(portal, items, dry_run=True)["items"]
    assert [r["new_customer"] for r in preview[:2]] == [True, True] and preview[2]["outcome"] == "failed"
    done = bulk(portal, items)["items"]
    assert [e.data["name"] for e in portal.events("CustomerCreated")] == ["Newco"]
    assert done[0]["customer_id"] == done[1]["customer_id"] is not None


def test_a_customer_of_another_org_is_unknown(portal):  # noqa: F811
    other = portal.client.post("/orgs", json={"name": "Other", "slug": f"other-{uuid.uuid4().hex[:8]}"},
                               headers=system()).get_json()["org_id"]
    theirs = portal.client.post(f"/orgs/{other}/customers", json={"name": "Theirs Ltd", "email": "a@theirs.test"},
                                headers=bearer("staff", other)).get_json()["customer_id"]
    done = bulk(portal, [person(theirs, 1), person("Theirs Ltd", 2)])["items"]
    assert [(r["outcome"], r["field"]) for r in done] == [("failed", "customer")] * 2
    assert portal.events("ContactAdded") == []


def test_only_owners_and_admins_invite_in_bulk(portal):  # noqa: F811
    answer = portal.client.post(f"/orgs/{portal.org}/invitations/bulk",
                                json={"link_base": LINK, "items": [person("Bolt Ltd", 1)]},
                                headers=bearer("staff", portal.org, role="agent"))
    assert answer.status_code == 403


def statuses(portal, **query):  # noqa: F811
    answer = portal.client.get(f"/orgs/{portal.org}/invitations", query_string=query)
    assert answer.status_code == 200, answer.get_json()
    return {r["email"]: r["status"] for r in answer.get_json()}, answer


def test_the_list_says_who_accepted_and_resending_renews_a_link_at_a_measured_pace(portal):  # noqa: F811
    bolt = portal.customer("Bolt Ltd")
    portal.contact(bolt, "new@bolt.test")
    done = bulk(portal, [person("Bolt Ltd", 1), person("Bolt Ltd", 2)])["items"]
    outbox.hand_over(portal.rt, portal.mail)
    first_link = portal.mail.mails[0]["variables"]["link"].rsplit("/", 1)[1]
    assert portal.post("/invitations/accept", {"token": first_link, "password": PASSWORD}).status_code == 201
    expired = done[1]["contact_id"]
    with portal.rt.engine.begin() as conn:          # the second's link ran out yesterday
        conn.execute(update(invitations).where(invitations.c.contact_id == expired)
                     .values(expires_at=time.time() - 86400))
    found, answer = statuses(portal)
    assert found == {"new@bolt.test": "not_invited", "p1@bolt.test": "active", "p2@bolt.test": "expired"}
    row = {r["email"]: r for r in answer.get_json()}["p1@bolt.test"]
    assert row["invited_at"] and row["accepted_at"] and row["customer_name"] == "Bolt Ltd"
    assert statuses(portal, status="expired")[0] == {"p2@bolt.test": "expired"}
    assert statuses(portal, q="NEW@")[0] == {"new@bolt.test": "not_invited"}
    assert len(statuses(portal, limit=2)[0]) == 2 and statuses(portal, limit=2)[1].headers["X-Next-Cursor"]

    resend = portal.post(f"/contacts/{expired}/invitations/resend", {"link_base": LINK})
    assert resend.status_code == 202 and resend.get_json()["status"] == "invited"
    assert statuses(portal, status="pending")[0] == {"p2@bolt.test": "pending"}
    too_soon = portal.post(f"/contacts/{expired}/invitations/resend", {"link_base": LINK})
    assert too_soon.status_code == 429 and 0 < too_soon.get_json()["retry_after"] <= 60
    accepted = portal.post(f"/contacts/{done[0]['contact_id']}/invitations/resend", {"link_base": LINK})
    assert accepted.status_code == 422 and "already accepted" in accepted.get_json()["detail"]
    foreign = portal.client.post(f"/orgs/{portal.org}/contacts/{uuid.uuid4()}/invitations/resend",
                                 json={"link_base": LINK})
    assert foreign.status_code == 404
