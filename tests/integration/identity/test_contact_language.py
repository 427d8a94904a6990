"""A contact's language is "not chosen" (None) until someone chooses one: their pages then follow
their browser, their mails the org's default language, else English. Staff choose none either."""
from __future__ import annotations

from sqlalchemy import select, update

from services.identity.adapters import outbox
from services.identity.projections.directory import organizations
from tests.integration.identity.test_signin import portal  # noqa: F401 - the fixture


def set_default_language(portal, language):  # noqa: F811
    with portal.rt.engine.begin() as conn:
        settings = dict(conn.execute(select(organizations.c.settings).where(
            organizations.c.org_id == portal.org)).scalar())
        conn.execute(update(organizations).where(organizations.c.org_id == portal.org).values(
            settings={**settings, "default_language": language}))


def test_a_new_contact_has_no_language_and_signs_in_with_none(portal):  # noqa: F811
    contact_id, accepted = portal.active_contact()
    assert accepted["principal"]["language"] is None
    assert portal.mail.mails[-1]["locale"] == "en"                      # no org default: English
    assert portal.mail.mails[-1]["variables"]["expires_at"].startswith("on ")
    path = f"/orgs/{portal.org}/logins/{contact_id}/profile"
    portal.client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {accepted['internal_token']}"
    assert portal.client.get(path).get_json()["language"] is None
    assert portal.client.patch(path, json={"language": "ar"}).get_json()["language"] == "ar"
    [chosen] = portal.events("ProfileUpdated")
    assert chosen.data["language"] == "ar"
    assert portal.client.patch(path, json={"language": ""}).get_json()["language"] is None
    assert portal.events("ProfileUpdated")[-1].data["language"] is None


def test_an_invitation_is_in_the_contacts_language_else_the_orgs_default(portal):  # noqa: F811
    set_default_language(portal, "fr")
    customer = portal.customer()
    portal.invite(portal.contact(customer))
    mail = portal.mail.mails[-1]
    assert mail["locale"] == "fr" and mail["variables"]["expires_at"].startswith("le ")
    answer = portal.post("/invitations/bulk", {"link_base": "https://portal.acme.test", "items": [
        {"customer": customer, "email": "kim@bolt.test", "name": "Kim", "language": "de"}]})
    assert answer.status_code == 200
    outbox.hand_over(portal.rt, portal.mail)
    mail = portal.mail.mails[-1]
    assert mail["to"] == "kim@bolt.test" and mail["locale"] == "de"
    assert mail["variables"]["expires_at"].startswith("am ")


def test_staff_choose_no_language(portal):  # noqa: F811
    answer = portal.post("/staff", {"email": "ola@acme.test", "name": "Ola", "role": "admin",
                                    "password": "correct horse battery staple"})
    assert answer.status_code == 201, answer.get_json()
    signed_in = portal.sign_in("ola@acme.test", kind="staff").get_json()
    assert signed_in["principal"]["language"] is None
