"""identity's front door through its HTTP API: invitations, passwords, sessions, MFA.

Run on SQLite and PostgreSQL. The notifications service is replaced at its port
(NotificationsClient) by a fake that records what it was handed; the real hand-over is
covered end to end in tests/e2e."""
from __future__ import annotations

import threading
import time
import uuid

import pyotp
import pytest
from sqlalchemy import select, update

from services.chassis.tables import events
from services.identity.adapters import outbox
from services.identity.adapters.notifications import NotificationsClient
from services.identity.app import create_app
from services.identity.bootstrap import SPEC
from services.identity.tables import credentials, sessions
from tests.helpers.tokens import bearer, system

PASSWORD = "correct horse battery staple"


class FakeNotifications(NotificationsClient):
    def __init__(self):
        super().__init__("http://notifications.invalid", token=lambda org_id: "unused")
        self.mails: list[dict] = []

    def queue_email(self, org_id: str, body: dict) -> str:
        self.mails.append({"org_id": org_id, **body})
        return str(uuid.uuid4())


class Portal:
    """A staff member's and a contact's view of identity, through its API."""

    def __init__(self, rt, client, org_id: str):
        self.rt, self.client, self.org = rt, client, org_id
        self.mail = FakeNotifications()
        # Calls carry the internal token of a staff owner of the org, as the console's would.
        self.staff_id = str(uuid.uuid4())
        client.environ_base["HTTP_AUTHORIZATION"] = bearer("staff", org_id, id=self.staff_id,
                                                           ttl_s=3600)["Authorization"]

    def post(self, path, body=None, **headers):
        return self.client.post(f"/orgs/{self.org}{path}", json=body or {}, headers=headers)

    def customer(self, name="Bolt Ltd"):
        return self.post("/customers", {"name": name, "email": f"ap@{name.split()[0].lower()}.test"}
                         ).get_json()["customer_id"]

    def contact(self, customer_id, email="sam@bolt.test", permissions=("view", "pay")):
        answer = self.post(f"/customers/{customer_id}/contacts",
                           {"email": email, "name": "Sam Buyer", "permissions": list(permissions)})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["contact_id"]

    def invite(self, contact_id) -> str:
        assert self.post(f"/contacts/{contact_id}/invitations",
                         {"link_base": "https://portal.acme.test"}).status_code == 202
        outbox.hand_over(self.rt, self.mail)
        link = self.mail.mails[-1]["variables"]["link"]
        assert link.startswith("https://portal.acme.test/invite/")
        return link.rsplit("/", 1)[1]

    def active_contact(self, email="sam@bolt.test"):
        contact_id = self.contact(self.customer(), email)
        answer = self.post("/invitations/accept", {"token": self.invite(contact_id), "password": PASSWORD})
        assert answer.status_code == 201, answer.get_json()
        return contact_id, answer.get_json()

    def sign_in(self, email="sam@bolt.test", password=PASSWORD, kind="contact", ip="198.51.100.7"):
        return self.post("/sessions", {"kind": kind, "email": email, "password": password, "ip": ip})

    def resolve(self, token):
        return self.post("/sessions/resolve", {"token": token})

    def enrol(self, token):
        secret = self.post("/mfa/enrolment", {"token": token}).get_json()["secret"]
        answer = self.post("/mfa/enrolment/confirm", {"token": token, "code": pyotp.TOTP(secret).now()})
        assert answer.status_code == 200, answer.get_json()
        return secret, answer.get_json()

    def events(self, type_=None):
        with self.rt.engine.connect() as conn:
            query = select(events).order_by(events.c.position)
            if type_:
                query = query.where(events.c.type == type_)
            return conn.execute(query).all()


@pytest.fixture
def portal(make_runtime, db_kind):
    rt = make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1")
    client = create_app(rt.config).test_client()
    org = client.post("/orgs", json={"name": "Acme", "slug": f"acme-{uuid.uuid4().hex[:8]}"},
                      headers=system()).get_json()
    return Portal(rt, client, org["org_id"])


def code_at(secret: str, offset_steps: int) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def test_an_invited_contact_sets_a_password_enrols_mfa_and_signs_in_with_a_code(portal):
    contact_id = portal.contact(portal.customer())
    token = portal.invite(contact_id)
    mail = portal.mail.mails[-1]
    assert (mail["kind"], mail["to"], mail["contact_id"]) == ("invitation", "sam@bolt.test", contact_id)
    assert portal.post("/invitations/lookup", {"token": token}).get_json() == {
        "email": "sam@bolt.test", "name": "Sam Buyer", "customer_name": "Bolt Ltd", "kind": "contact"}

    weak = portal.post("/invitations/accept", {"token": token, "password": "password1"})
    assert weak.status_code == 422 and "too common" in weak.get_json()["errors"]["json"]["password"][0]
    accepted = portal.post("/invitations/accept", {"token": token, "password": PASSWORD}).get_json()
    assert accepted["next"] is None and accepted["principal"]["customer_name"] == "Bolt Ltd"
    assert accepted["principal"]["permissions"] == ["view", "pay"]

    secret, enrolled = portal.enrol(accepted["token"])
    assert len(enrolled["recovery_codes"]) == 10 and enrolled["state"] == "mfa_ok"
    assert portal.resolve(accepted["token"]).status_code == 401        # rotated: the old token is dead
    assert portal.post("/sessions/end", {"token": enrolled["token"]}).status_code == 204
    assert portal.resolve(enrolled["token"]).status_code == 401

    signed_in = portal.sign_in().get_json()
    assert (signed_in["state"], signed_in["next"]) == ("password_ok", "mfa")
    passed = portal.post("/sessions/mfa", {"token": signed_in["token"], "code": code_at(secret, 1)})
    assert passed.status_code == 200 and passed.get_json()["next"] is None
    assert portal.resolve(signed_in["token"]).status_code == 401
    assert portal.resolve(passed.get_json()["token"]).get_json()["principal"]["id"] == contact_id
    types = [e.type for e in portal.events()]
    for expected in ("ContactAdded", "ContactInvited", "ContactActivated", "MfaEnabled",
                     "LoginSucceeded", "SessionRevoked"):
        assert expected in types


def test_an_invitation_works_once_and_a_new_one_voids_the_old_link(portal):
    contact_id = portal.contact(portal.customer())
    first = portal.invite(contact_id)
    second = portal.invite(contact_id)
    assert portal.post("/invitations/lookup", {"token": first}).status_code == 404
    assert portal.post("/invitations/accept", {"token": first, "password": PASSWORD}).status_code == 404
    assert portal.post("/invitations/accept", {"token": second, "password": PASSWORD}).status_code == 201
    again = portal.post("/invitations/accept", {"token": second, "password": PASSWORD})
    assert again.status_code == 404 and "not valid any more" in again.get_json()["detail"]


def test_an_expired_invitation_is_refused(portal):
    from services.identity.tables import invitations
    token = portal.invite(portal.contact(portal.customer()))
    with portal.rt.engine.begin() as conn:
        conn.execute(update(invitations).values(expires_at=time.time() - 1))
    assert portal.post("/invitations/accept", {"token": token, "password": PASSWORD}).status_code == 404


def test_wrong_password_and_unknown_address_answer_alike_and_throttling_is_temporary(portal):
    portal.active_contact()
    wrong = portal.sign_in(password="not the password")
    unknown = portal.sign_in(email="nobody@bolt.test")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["detail"] == unknown.get_json()["detail"] == "The e-mail or password is not right."
    for _ in range(4):
        portal.sign_in(password="not the password")
    blocked = portal.sign_in()                                # even the right password waits now
    assert blocked.status_code == 429 and blocked.get_json()["retry_after"] >= 1
    time.sleep(blocked.get_json()["retry_after"] + 0.1)
    assert portal.sign_in().status_code == 201               # never locked out for good
    reasons = [e.data["reason"] for e in portal.events("LoginFailed")]
    assert reasons.count("bad_password") == 5 and "unknown_user" in reasons and "rate_limited" in reasons


def test_a_totp_code_is_never_accepted_twice_even_at_the_same_moment(portal):
    _, accepted = portal.active_contact()
    secret, _ = portal.enrol(accepted["token"])
    tokens = [portal.sign_in().get_json()["token"] for _ in range(2)]
    code = code_at(secret, 1)
    answers = []

    def verify(token):
        answers.append(portal.post("/sessions/mfa", {"token": token, "code": code}).status_code)
    threads = [threading.Thread(target=verify, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 422]
    third = portal.sign_in().get_json()["token"]
    old = portal.post("/sessions/mfa", {"token": third, "code": code_at(secret, 0)})
    assert old.status_code == 422                          # an older step than the last one accepted
    assert portal.post("/sessions/mfa", {"token": third, "code": code_at(secret, 3)}).status_code == 422


def test_too_many_wrong_codes_end_the_session(portal):
    _, accepted = portal.active_contact()
    portal.enrol(accepted["token"])
    token = portal.sign_in().get_json()["token"]
    answers = [portal.post("/sessions/mfa", {"token": token, "code": "000000"}) for _ in range(5)]
    assert [a.status_code for a in answers] == [422, 422, 422, 422, 401]
    assert answers[0].get_json()["attempts_left"] == 4
    assert portal.resolve(token).status_code == 401


def test_a_recovery_code_works_once(portal):
    _, accepted = portal.active_contact()
    _, enrolled = portal.enrol(accepted["token"])
    code = enrolled["recovery_codes"][0]
    first = portal.sign_in().get_json()["token"]
    assert portal.post("/sessions/recovery", {"token": first, "code": code.upper()}).status_code == 200
    second = portal.sign_in().get_json()["token"]
    assert portal.post("/sessions/recovery", {"token": second, "code": code}).status_code == 422


def test_a_password_session_cannot_replace_an_existing_second_factor(portal):
    _, accepted = portal.active_contact()
    portal.enrol(accepted["token"])
    half = portal.sign_in().get_json()["token"]
    assert portal.post("/mfa/enrolment", {"token": half}).status_code == 422


def test_changing_the_password_ends_the_other_sessions(portal):
    portal.active_contact()
    here, there = (portal.sign_in().get_json()["token"] for _ in range(2))
    common = portal.post("/password/change", {"token": here, "current_password": PASSWORD,
                                              "new_password": "qwerty123"})
    assert common.status_code == 422
    new = "Ünïcødé  pass phrase with spaces 🙂" * 2
    changed = portal.post("/password/change", {"token": here, "current_password": PASSWORD,
                                               "new_password": new})
    assert changed.status_code == 200
    assert portal.resolve(there).status_code == 401 and portal.resolve(here).status_code == 401
    assert portal.resolve(changed.get_json()["token"]).status_code == 200
    assert portal.sign_in(password=new[:-1]).status_code == 401        # never truncated
    assert portal.sign_in(password=new).status_code == 201
    with portal.rt.engine.connect() as conn:
        stored = conn.execute(select(credentials.c.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$v=19$m=19456,t=2,p=1$") for h in stored if h)


def test_sessions_time_out_when_idle_and_at_their_absolute_limit(portal):
    portal.active_contact()
    idle, old = (portal.sign_in().get_json()["token"] for _ in range(2))
    with portal.rt.engine.begin() as conn:
        rows = conn.execute(select(sessions.c.session_id, sessions.c.token_hash)).all()
        from services.identity.domain.sessions import token_hash
        by_hash = {r.token_hash: r.session_id for r in rows}
        conn.execute(update(sessions).where(sessions.c.session_id == by_hash[token_hash(idle)])
                     .values(last_seen=time.time() - 31 * 60))
        conn.execute(update(sessions).where(sessions.c.session_id == by_hash[token_hash(old)])
                     .values(expires_at=time.time() - 1))
    assert portal.resolve(idle).status_code == 401
    assert portal.resolve(old).status_code == 401


def test_staff_reset_of_mfa_is_audited_and_ends_the_sessions(portal):
    contact_id, accepted = portal.active_contact()
    _, enrolled = portal.enrol(accepted["token"])
    reset = portal.post(f"/contacts/{contact_id}/mfa/reset")
    assert reset.status_code == 200 and reset.get_json()["mfa_enabled"] is False
    assert portal.resolve(enrolled["token"]).status_code == 401
    [disabled] = portal.events("MfaDisabled")
    assert disabled.meta["actor"] == {"kind": "staff", "id": portal.staff_id}   # from the token
    assert portal.sign_in().get_json()["next"] is None                 # MFA optional here: straight in


def test_an_org_that_requires_mfa_sends_people_to_enrolment_first(portal):
    portal.client.patch(f"/orgs/{portal.org}/settings", json={"mfa_required": True})
    _, accepted = portal.active_contact()
    assert accepted["next"] == "enrol"
    assert not portal.events("LoginSucceeded")                      # not signed in for real yet
    _, enrolled = portal.enrol(accepted["token"])
    assert enrolled["next"] is None and len(portal.events("LoginSucceeded")) == 1


def test_nothing_crosses_orgs(portal):
    _, accepted = portal.active_contact()
    other = portal.client.post("/orgs", json={"name": "Other", "slug": f"o-{uuid.uuid4().hex[:8]}"},
                               headers=system()).get_json()
    assert portal.client.post(f"/orgs/{other['org_id']}/sessions/resolve",
                              json={"token": accepted["token"]}).status_code == 401
    assert portal.client.post(f"/orgs/{other['org_id']}/sessions", json={
        "email": "sam@bolt.test", "password": PASSWORD}).status_code == 401
    contact_id = accepted["principal"]["id"]
    assert portal.client.get(f"/orgs/{other['org_id']}/contacts/{contact_id}").status_code == 404
    assert portal.client.patch(f"/orgs/{other['org_id']}/logins/{contact_id}/profile",
                               json={"name": "X"}).status_code == 404


def test_the_same_address_twice_in_one_org_is_a_clear_conflict(portal):
    customer = portal.customer()
    portal.contact(customer)
    again = portal.post(f"/customers/{customer}/contacts", {"email": "SAM@bolt.test", "name": "Sam"})
    assert again.status_code == 409 and "already" in again.get_json()["detail"]


def test_profile_changes_are_events_and_bad_input_is_refused(portal):
    contact_id, accepted = portal.active_contact()
    path = f"/orgs/{portal.org}/logins/{contact_id}/profile"
    # the contact's own internal token, as the gateway forwards it
    portal.client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {accepted['internal_token']}"
    saved = portal.client.patch(path, json={"name": "Sam B.", "phone": "+44 20 7946 0000", "language": "de",
                                            "address": {"city": "Leeds"}, "notify": {"invoices": False}})
    assert saved.status_code == 200
    assert saved.get_json()["notify"]["invoices"] is False and saved.get_json()["address"] == {"city": "Leeds"}
    [updated] = portal.events("ProfileUpdated")
    assert updated.data["changed"] == ["name", "phone", "language", "address", "notify"]
    assert portal.client.patch(path, json={"language": "xx"}).status_code == 422
    assert portal.client.patch(path, json={"role": "owner"}).status_code == 422


def test_no_secret_ever_reaches_an_event(portal):
    _, accepted = portal.active_contact()
    secret, enrolled = portal.enrol(accepted["token"])
    portal.sign_in(password="wrong password here")
    with portal.rt.engine.connect() as conn:
        hashes = conn.execute(select(credentials.c.password_hash)).scalars().all()
    text = " ".join(str(e.data) + str(e.meta) for e in portal.events())
    for needle in [secret, PASSWORD, "wrong password here", accepted["token"], enrolled["token"],
                   *enrolled["recovery_codes"], *[h for h in hashes if h]]:
        assert needle not in text
