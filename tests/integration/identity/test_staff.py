"""The org's staff through identity's API, on SQLite and PostgreSQL: invited by mail, they
set a password and must enrol MFA; roles change; removal ends their sessions; owners stay."""
from __future__ import annotations

import pytest

from services.identity.adapters import outbox
from tests.integration.identity.test_signin import PASSWORD, portal  # noqa: F401 - the fixture
from tests.helpers.tokens import bearer


def add_staff(portal, email="ada@acme.test", role="agent", **headers):  # noqa: F811
    return portal.client.post(f"/orgs/{portal.org}/staff", json={"email": email, "name": "Ada Lovelace",
                                                                 "role": role}, headers=headers)


def invite(portal, staff_id, **headers):  # noqa: F811
    return portal.client.post(f"/orgs/{portal.org}/staff/{staff_id}/invitations",
                              json={"link_base": "https://portal.acme.test"}, headers=headers)


def mailed_token(portal):  # noqa: F811
    outbox.hand_over(portal.rt, portal.mail)
    return portal.mail.mails[-1]["variables"]["link"].rsplit("/", 1)[1]


def active_member(portal, email="ada@acme.test", role="agent"):  # noqa: F811
    staff_id = add_staff(portal, email, role).get_json()["staff_id"]
    assert invite(portal, staff_id).status_code == 202
    answer = portal.post("/invitations/accept", {"token": mailed_token(portal), "password": PASSWORD})
    assert answer.status_code == 201, answer.get_json()
    return staff_id, answer.get_json()


def test_an_invited_staff_member_sets_a_password_and_must_enrol_mfa(portal):  # noqa: F811
    staff_id = add_staff(portal).get_json()["staff_id"]
    answer = invite(portal, staff_id)
    assert answer.status_code == 202 and answer.get_json()["status"] == "invited"
    token = mailed_token(portal)
    mail = portal.mail.mails[-1]
    assert (mail["kind"], mail["to"]) == ("invitation", "ada@acme.test") and "customer_id" not in mail
    assert portal.post("/invitations/lookup", {"token": token}).get_json() == {
        "email": "ada@acme.test", "name": "Ada Lovelace", "customer_name": None, "kind": "staff"}
    accepted = portal.post("/invitations/accept", {"token": token, "password": PASSWORD})
    assert accepted.status_code == 201 and accepted.get_json()["next"] == "enrol"
    assert accepted.get_json()["principal"]["role"] == "agent"
    assert portal.post("/invitations/accept", {"token": token, "password": PASSWORD}).status_code == 404
    [listed] = [s for s in portal.client.get(f"/orgs/{portal.org}/staff").get_json() if s["staff_id"] == staff_id]
    assert listed["status"] == "active"
    assert [e.type for e in portal.events() if e.stream_id == staff_id] == [
        "StaffMemberAdded", "StaffInvited", "StaffMemberActivated"]


def test_re_inviting_voids_the_earlier_link(portal):  # noqa: F811
    staff_id = add_staff(portal).get_json()["staff_id"]
    invite(portal, staff_id)
    first = mailed_token(portal)
    invite(portal, staff_id)
    second = mailed_token(portal)
    assert portal.post("/invitations/lookup", {"token": first}).status_code == 404
    assert portal.post("/invitations/lookup", {"token": second}).status_code == 200


def test_a_contact_id_is_not_a_staff_member_and_the_reverse(portal):  # noqa: F811
    contact_id = portal.contact(portal.customer())
    assert invite(portal, contact_id).status_code == 404
    staff_id = add_staff(portal).get_json()["staff_id"]
    answer = portal.post(f"/contacts/{staff_id}/invitations", {"link_base": "https://portal.acme.test"})
    assert answer.status_code == 404


def test_roles_change_and_take_effect_at_the_next_resolve(portal):  # noqa: F811
    staff_id, view = active_member(portal)
    answer = portal.client.put(f"/orgs/{portal.org}/staff/{staff_id}/role", json={"role": "admin"})
    assert answer.status_code == 200 and answer.get_json()["role"] == "admin"
    assert portal.resolve(view["token"]).get_json()["principal"]["role"] == "admin"
    [changed] = portal.events("StaffRoleChanged")
    assert (changed.data["role"], changed.data["previous_role"]) == ("admin", "agent")


def test_only_owners_touch_owners(portal):  # noqa: F811
    admin = bearer("staff", portal.org, role="admin")
    assert add_staff(portal, "boss@acme.test", "owner", **admin).status_code == 403
    owner_id, _ = active_member(portal, "owner2@acme.test", "owner")
    agent_id, _ = active_member(portal, "agent@acme.test", "agent")
    promote = portal.client.put(f"/orgs/{portal.org}/staff/{agent_id}/role", json={"role": "owner"}, headers=admin)
    assert promote.status_code == 403 and "Only an owner" in promote.get_json()["detail"]
    demote = portal.client.put(f"/orgs/{portal.org}/staff/{owner_id}/role", json={"role": "agent"}, headers=admin)
    assert demote.status_code == 403
    assert portal.client.post(f"/orgs/{portal.org}/staff/{owner_id}/remove", headers=admin).status_code == 403
    agent = bearer("staff", portal.org, role="agent")
    assert portal.client.put(f"/orgs/{portal.org}/staff/{agent_id}/role", json={"role": "admin"},
                             headers=agent).status_code == 403


def test_the_last_active_owner_cannot_be_demoted_or_removed(portal):  # noqa: F811
    owner_id, _ = active_member(portal, "only@acme.test", "owner")
    answer = portal.client.put(f"/orgs/{portal.org}/staff/{owner_id}/role", json={"role": "admin"})
    assert answer.status_code == 409 and "at least one owner" in answer.get_json()["detail"]
    assert portal.client.post(f"/orgs/{portal.org}/staff/{owner_id}/remove").status_code == 409
    second_id, _ = active_member(portal, "second@acme.test", "owner")
    assert portal.client.put(f"/orgs/{portal.org}/staff/{owner_id}/role", json={"role": "admin"}).status_code == 200


def test_a_removed_member_is_signed_out_and_cannot_sign_in(portal):  # noqa: F811
    staff_id, view = active_member(portal)
    answer = portal.client.post(f"/orgs/{portal.org}/staff/{staff_id}/remove")
    assert answer.status_code == 200 and answer.get_json()["status"] == "removed"
    assert portal.resolve(view["token"]).status_code == 401
    assert portal.sign_in("ada@acme.test", kind="staff").status_code == 401
    assert invite(portal, staff_id).status_code == 409
    [removed] = portal.events("StaffMemberRemoved")
    assert removed.meta["actor"]["kind"] == "staff"


def test_nobody_removes_themselves(portal):  # noqa: F811
    staff_id, _ = active_member(portal, role="admin")
    me = bearer("staff", portal.org, id=staff_id, role="admin")
    answer = portal.client.post(f"/orgs/{portal.org}/staff/{staff_id}/remove", headers=me)
    assert answer.status_code == 409 and "cannot remove yourself" in answer.get_json()["detail"]


@pytest.mark.parametrize("path", ["/staff/{id}/role", "/staff/{id}/remove", "/staff/{id}/invitations"])
def test_another_orgs_staff_member_is_a_404(portal, path):  # noqa: F811
    staff_id = add_staff(portal).get_json()["staff_id"]
    other = bearer("staff", "other-org", role="owner")
    url = f"/orgs/other-org{path.format(id=staff_id)}"
    if path.endswith("role"):
        answer = portal.client.put(url, json={"role": "admin"}, headers=other)
    else:
        answer = portal.client.post(url, json={"link_base": "https://x.test"}, headers=other)
    assert answer.status_code == 404
