"""Self sign-up with a confirmed address, through identity's HTTP API, on SQLite and
PostgreSQL (helpers and the mail catcher: test_identity_recovery.py)."""
from __future__ import annotations

import threading
import time

from sqlalchemy import select, update

from services.identity.handlers.recovery import forget_expired_links
from services.identity.tables import password_resets, signups
from tests.integration.identity.test_recovery import (accept_reset, customers, mails, open_sign_up, reset_token,
                                                      sign_up, token_in, verify)
from tests.integration.identity.test_signin import PASSWORD, portal  # noqa: F401  (the fixture)


def test_sign_up_is_refused_where_the_org_does_not_allow_it(portal):
    refused = sign_up(portal)
    assert refused.status_code == 404 and refused.get_json()["detail"] == "Sign-up is not open for this portal."
    assert verify(portal, "any-token").status_code == 404
    assert mails(portal, "email_verification") == []


def test_a_confirmed_sign_up_is_a_new_customer_with_an_active_contact_and_a_session(portal):
    open_sign_up(portal)
    asked = sign_up(portal)
    assert asked.status_code == 202 and "Check your e-mail" in asked.get_json()["message"]
    assert customers(portal) == []                                # nothing exists before the address is proved
    [mail] = mails(portal, "email_verification")
    assert (mail["to"], mail["name"]) == ("kim@new.test", "Kim New")
    token = token_in(mail, "verify")
    verified = verify(portal, token)
    assert verified.status_code == 201, verified.get_json()
    view = verified.get_json()
    person = view["principal"]
    assert (person["email"], person["name"], person["customer_name"]) == ("kim@new.test", "Kim New", "Kim Co")
    assert person["permissions"] == ["view", "download", "pay", "submit_tickets"] and view["next"] is None
    assert portal.resolve(view["token"]).status_code == 200
    contact = portal.client.get(f"/orgs/{portal.org}/contacts/{person['id']}").get_json()
    assert contact["status"] == "active"
    assert [c["name"] for c in customers(portal)] == ["Kim Co"]
    [signed_up] = portal.events("ContactSignedUp")
    assert signed_up.data == {"contact_id": person["id"], "customer_id": person["customer_id"],
                              "email": "kim@new.test", "name": "Kim New"}
    assert len(portal.events("CustomerCreated")) == 1 and len(portal.events("ContactAdded")) == 1
    assert portal.sign_in("kim@new.test", PASSWORD).status_code == 201
    again = verify(portal, token)
    assert again.status_code == 404 and again.get_json()["detail"] == "This link is not valid any more."
    text = " ".join(str(e.data) + str(e.meta) for e in portal.events())
    assert token not in text and PASSWORD not in text and "argon2" not in text


def test_a_sign_up_without_a_company_names_the_customer_after_the_person(portal):
    open_sign_up(portal)
    sign_up(portal, company=None)
    view = verify(portal, token_in(mails(portal, "email_verification")[0], "verify")).get_json()
    assert view["principal"]["customer_name"] == "Kim New"


def test_where_the_org_requires_mfa_a_new_account_enrols_first(portal):
    open_sign_up(portal, mfa_required=True)
    sign_up(portal)
    view = verify(portal, token_in(mails(portal, "email_verification")[0], "verify")).get_json()
    assert view["next"] == "enrol"


def test_sign_up_checks_name_address_and_password(portal):
    open_sign_up(portal)
    weak = sign_up(portal, password="password1")
    assert weak.status_code == 422 and "too common" in weak.get_json()["errors"]["json"]["password"][0]
    assert sign_up(portal, email="not an address").get_json()["errors"]["json"]["email"]
    assert sign_up(portal, name="   ").get_json()["errors"]["json"]["name"] == ["Please enter your name."]
    assert mails(portal, "email_verification") == []


def test_an_address_with_a_login_gets_the_same_answer_no_account_and_a_reset_mail(portal):
    contact_id, _ = portal.active_contact()
    open_sign_up(portal)
    fresh, taken = sign_up(portal), sign_up(portal, email="sam@bolt.test", company="Mallory Inc")
    assert fresh.status_code == taken.status_code == 202 and fresh.get_json() == taken.get_json()
    assert [m["to"] for m in mails(portal, "email_verification")] == ["kim@new.test"]
    [reset] = mails(portal, "password_reset")
    assert reset["to"] == "sam@bolt.test"
    assert [c["name"] for c in customers(portal)] == ["Bolt Ltd"]
    token = token_in(reset, "reset")
    assert accept_reset(portal, token).get_json()["principal"]["id"] == contact_id      # a real, working link


def test_a_sign_up_never_shows_or_touches_an_existing_customer(portal):
    contact_id, _ = portal.active_contact()
    bolt = customers(portal)[0]
    ivy = portal.contact(bolt["customer_id"], "ivy@bolt.test")                   # not invited yet
    open_sign_up(portal)
    before = len(portal.events())
    for email in ("sam@bolt.test", "ivy@bolt.test"):
        assert "Bolt" not in sign_up(portal, email=email, company="Bolt Ltd").get_data(as_text=True)
    assert len(portal.events()) == before                                        # nothing recorded at all
    assert mails(portal, "email_verification") == []                             # ivy: no mail, no account
    sign_up(portal, email="eve@bolt.test", company="Bolt Ltd")
    view = verify(portal, token_in(mails(portal, "email_verification")[0], "verify")).get_json()
    assert view["principal"]["customer_id"] != bolt["customer_id"]                # a new customer, same name
    contacts = portal.client.get(f"/orgs/{portal.org}/customers/{bolt['customer_id']}/contacts").get_json()
    assert sorted(c["contact_id"] for c in contacts) == sorted([contact_id, ivy])
    touched = {e.stream_id for e in portal.events()[before:]}
    assert not touched & {bolt["customer_id"], contact_id, ivy}


def test_a_newer_sign_up_voids_the_older_link_and_a_link_expires(portal):
    open_sign_up(portal)
    sign_up(portal, password="the first pass phrase")
    sign_up(portal, password="the second pass phrase")
    first, second = (token_in(m, "verify") for m in mails(portal, "email_verification"))
    assert verify(portal, first).status_code == 404
    with portal.rt.engine.begin() as conn:
        conn.execute(update(signups).values(expires_at=time.time() - 1))
    assert verify(portal, second).status_code == 404
    with portal.rt.engine.begin() as conn:
        conn.execute(update(signups).values(expires_at=time.time() + 60))
    assert verify(portal, second).status_code == 201
    assert portal.sign_in("kim@new.test", "the second pass phrase").status_code == 201
    with portal.rt.engine.connect() as conn:                  # no password hash waits once it is done with
        assert conn.execute(select(signups.c.password_hash).where(signups.c.password_hash.isnot(None))).all() == []


def test_two_confirmations_at_once_make_one_account(portal):
    open_sign_up(portal)
    sign_up(portal)
    token = token_in(mails(portal, "email_verification")[0], "verify")
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(verify(portal, token).status_code)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [201, 404]
    assert len(customers(portal)) == 1


def test_an_address_that_got_a_login_meanwhile_is_a_clear_conflict(portal):
    open_sign_up(portal)
    sign_up(portal, email="sam@bolt.test")
    token = token_in(mails(portal, "email_verification")[0], "verify")
    portal.contact(portal.customer(), "sam@bolt.test")                          # staff added them since
    conflict = verify(portal, token)
    assert conflict.status_code == 409 and "already has an account" in conflict.get_json()["detail"]
    assert [c["name"] for c in customers(portal)] == ["Bolt Ltd"]


def test_sign_up_mails_count_against_the_same_hourly_cap(portal):
    open_sign_up(portal)
    assert [sign_up(portal).status_code for _ in range(4)] == [202] * 4
    assert len(mails(portal, "email_verification")) == 3


def test_expired_sign_ups_lose_their_password_hash_and_old_links_go(portal):
    portal.active_contact()
    reset_token(portal)
    open_sign_up(portal)
    sign_up(portal)
    with portal.rt.engine.begin() as conn:
        conn.execute(update(signups).values(expires_at=time.time() - 1))
    assert forget_expired_links(portal.rt) == 0
    with portal.rt.engine.connect() as conn:
        assert conn.execute(select(signups.c.email, signups.c.password_hash)).all() == [("kim@new.test", None)]
    assert forget_expired_links(portal.rt, now=time.time() + 8 * 86400) == 2
    with portal.rt.engine.connect() as conn:
        assert conn.execute(select(signups)).all() == [] and conn.execute(select(password_resets)).all() == []
