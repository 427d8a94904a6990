"""Password reset by e-mail, through identity's HTTP API, on SQLite and PostgreSQL (self
sign-up: test_identity_signup.py, which shares these helpers). The mails are caught where
identity hands them to notifications (the same fake as in test_identity_signin.py); the
calls a person makes carry no internal token, as the gateway sends them for someone who is
not signed in."""
from __future__ import annotations

import threading
import time

from sqlalchemy import select, update

from services.identity.adapters import outbox
from services.identity.handlers.throttle import account_key
from services.identity.tables import credentials, password_resets, throttle
from tests.integration.identity.test_signin import PASSWORD, portal  # noqa: F401  (the fixture)

LINK_BASE = "https://portal.acme.test"
NEW_PASSWORD = "a brand new pass phrase"
ANONYMOUS = {"Authorization": ""}            # no internal token: nobody is signed in yet


def call(portal, path, body):
    return portal.client.post(f"/orgs/{portal.org}{path}", json=body, headers=ANONYMOUS)


def ask_reset(portal, email="sam@bolt.test", kind="contact"):
    return call(portal, "/password-resets", {"kind": kind, "email": email, "link_base": LINK_BASE,
                                             "ip": "198.51.100.7"})


def accept_reset(portal, token, password=NEW_PASSWORD):
    return call(portal, "/password-resets/accept", {"token": token, "password": password,
                                                    "ip": "198.51.100.7", "user_agent": "Firefox"})


def sign_up(portal, email="kim@new.test", name="Kim New", company="Kim Co", password=PASSWORD):
    return call(portal, "/signups", {"name": name, "company": company, "email": email, "password": password,
                                     "link_base": LINK_BASE, "ip": "198.51.100.7"})


def verify(portal, token):
    return call(portal, "/signups/verify", {"token": token, "ip": "198.51.100.7", "user_agent": "Firefox"})


def mails(portal, kind, to=None) -> list[dict]:
    """What notifications was handed (the worker's hand-over, run here by hand)."""
    outbox.hand_over(portal.rt, portal.mail)
    return [m for m in portal.mail.mails if m["kind"] == kind and to in (None, m["to"])]


def token_in(mail: dict, page: str) -> str:
    link = mail["variables"]["link"]
    assert link.startswith(f"{LINK_BASE}/{page}/"), link
    return link.rsplit("/", 1)[1]


def reset_token(portal, email="sam@bolt.test", kind="contact") -> str:
    assert ask_reset(portal, email, kind).status_code == 202
    return token_in(mails(portal, "password_reset", email)[-1], "reset")


def open_sign_up(portal, **more):
    answer = portal.client.patch(f"/orgs/{portal.org}/settings", json={"self_signup": True, **more})
    assert answer.status_code == 200, answer.get_json()


def customers(portal) -> list[dict]:
    return portal.client.get(f"/orgs/{portal.org}/customers").get_json()


# -- password reset ---------------------------------------------------------------------------
def test_known_unknown_and_inactive_addresses_get_the_same_answer_and_only_the_known_one_a_mail(portal):
    portal.active_contact()
    portal.invite(portal.contact(portal.customer("Ivy Ltd"), "ivy@ivy.test"))      # invited, not active
    answers = [ask_reset(portal, email) for email in ("sam@bolt.test", "nobody@bolt.test", "ivy@ivy.test")]
    assert {a.status_code for a in answers} == {202}
    assert answers[0].get_json() == answers[1].get_json() == answers[2].get_json()
    assert "If an account uses this address" in answers[0].get_json()["message"]
    [mail] = mails(portal, "password_reset")
    assert (mail["to"], mail["name"], mail["variables"]["expires_in_minutes"]) == ("sam@bolt.test", "Sam Buyer", 30)


def test_the_mailed_link_sets_the_password_once_and_signs_in(portal):
    contact_id, _ = portal.active_contact()
    token = reset_token(portal)
    assert call(portal, "/password-resets/lookup", {"token": token}).get_json() == {
        "email": "sam@bolt.test", "kind": "contact"}
    accepted = accept_reset(portal, token)
    assert accepted.status_code == 201, accepted.get_json()
    view = accepted.get_json()
    assert view["principal"]["id"] == contact_id and view["next"] is None
    assert portal.resolve(view["token"]).status_code == 200
    assert portal.sign_in(password=PASSWORD).status_code == 401
    assert portal.sign_in(password=NEW_PASSWORD).status_code == 201
    again = accept_reset(portal, token, "yet another pass phrase")
    assert again.status_code == 404 and again.get_json()["detail"] == "This reset link is not valid any more."
    assert call(portal, "/password-resets/lookup", {"token": token}).status_code == 404
    assert portal.sign_in(password="yet another pass phrase").status_code == 401


def test_two_accepts_of_one_link_at_the_same_moment_one_wins(portal):
    portal.active_contact()
    token = reset_token(portal)
    answers = []

    def accept(password):
        answers.append(accept_reset(portal, token, password).status_code)
    threads = [threading.Thread(target=accept, args=(p,)) for p in ("first pass phrase", "second pass phrase")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [201, 404]
    assert len(portal.events("PasswordChanged")) == 1


def test_an_expired_link_is_refused(portal):
    portal.active_contact()
    token = reset_token(portal)
    with portal.rt.engine.begin() as conn:
        conn.execute(update(password_resets).values(expires_at=time.time() - 1))
    assert call(portal, "/password-resets/lookup", {"token": token}).status_code == 404
    assert accept_reset(portal, token).status_code == 404
    assert portal.sign_in(password=PASSWORD).status_code == 201


def test_a_newer_request_voids_the_older_link(portal):
    portal.active_contact()
    first, second = reset_token(portal), reset_token(portal)
    assert accept_reset(portal, first).status_code == 404
    assert accept_reset(portal, second).status_code == 201


def test_a_reset_ends_every_session_and_lifts_the_sign_in_block(portal):
    _, accepted = portal.active_contact()
    other = portal.sign_in().get_json()["token"]
    with portal.rt.engine.begin() as conn:           # as after many wrong passwords
        conn.execute(throttle.insert().values(key=account_key(portal.org, "contact", "sam@bolt.test"),
                                              window_start=time.time(), failures=20,
                                              blocked_until=time.time() + 900))
    assert portal.sign_in().status_code == 429
    new = accept_reset(portal, reset_token(portal)).get_json()
    assert portal.resolve(accepted["token"]).status_code == 401
    assert portal.resolve(other).status_code == 401
    assert portal.resolve(new["token"]).status_code == 200
    assert portal.sign_in(password=NEW_PASSWORD).status_code == 201
    reasons = [e.data["reason"] for e in portal.events("SessionRevoked")]
    assert reasons.count("password_changed") == 2


def test_a_reset_is_a_password_changed_event_and_no_secret_reaches_an_event(portal):
    contact_id, _ = portal.active_contact()
    token = reset_token(portal)
    new = accept_reset(portal, token).get_json()
    [changed] = portal.events("PasswordChanged")
    assert changed.data["method"] == "reset" and changed.data["user_id"] == contact_id
    assert changed.meta["actor"] == {"kind": "contact", "id": contact_id}
    with portal.rt.engine.connect() as conn:
        secrets = [*conn.execute(select(credentials.c.password_hash)).scalars(),
                   *conn.execute(select(password_resets.c.token_hash)).scalars()]
    text = " ".join(str(e.data) + str(e.meta) for e in portal.events())
    for needle in [token, NEW_PASSWORD, new["token"], *[s for s in secrets if s]]:
        assert needle not in text


def test_the_password_rules_apply_and_a_refused_password_leaves_the_link_usable(portal):
    portal.active_contact()
    token = reset_token(portal)
    common = accept_reset(portal, token, "password1")
    assert common.status_code == 422 and "too common" in common.get_json()["errors"]["json"]["password"][0]
    short = accept_reset(portal, token, "short")
    assert short.status_code == 422 and "at least 8" in short.get_json()["errors"]["json"]["password"][0]
    assert accept_reset(portal, token).status_code == 201


def test_at_most_three_reset_mails_an_hour_go_to_one_address(portal):
    portal.active_contact()
    answers = [ask_reset(portal) for _ in range(4)]
    assert [a.status_code for a in answers] == [202] * 4
    assert len({str(a.get_json()) for a in answers}) == 1
    assert len(mails(portal, "password_reset")) == 3


def test_staff_reset_their_password_and_still_enrol_or_pass_mfa(portal):
    staff = portal.post("/staff", {"email": "dana@acme.test", "name": "Dana Owner", "role": "owner",
                                   "password": "the old staff pass phrase"})
    assert staff.status_code == 201, staff.get_json()
    assert ask_reset(portal, "dana@acme.test", kind="contact").status_code == 202
    assert mails(portal, "password_reset") == []                 # no contact with that address
    view = accept_reset(portal, reset_token(portal, "dana@acme.test", "staff")).get_json()
    assert view["principal"]["kind"] == "staff" and view["next"] == "enrol"


def test_a_reset_does_not_skip_the_second_factor(portal):
    _, accepted = portal.active_contact()
    portal.enrol(accepted["token"])
    view = accept_reset(portal, reset_token(portal)).get_json()
    assert (view["state"], view["next"]) == ("password_ok", "mfa")
