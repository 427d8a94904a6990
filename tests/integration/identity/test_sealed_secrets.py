"""Issue 14, case 15: TOTP seeds are sealed at rest under IDENTITY_SECRETS_KEY (Fernet,
services/chassis/secretbox.py), so a copy of identity's database does not hand out every
second factor; signing in with a code works as before, and a seed stored before the key was
set is still read. SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import select, update

from services.identity.tables import credentials
from tests.integration.identity.test_signin import code_at, portal  # noqa: F401 - the fixture


def stored(portal, contact_id):
    with portal.rt.engine.connect() as conn:
        return conn.execute(select(credentials.c.mfa_secret).where(credentials.c.user_id == contact_id)).scalar()


def test_a_totp_seed_is_sealed_at_rest_and_signing_in_with_a_code_still_works(portal):
    contact_id, view = portal.active_contact()
    secret, _ = portal.enrol(view["token"])
    at_rest = stored(portal, contact_id)
    assert at_rest.startswith("enc:") and secret not in at_rest
    pending = portal.sign_in().get_json()
    passed = portal.post("/sessions/mfa", {"token": pending["token"], "code": code_at(secret, 1)})
    assert passed.status_code == 200, passed.get_json()


def test_a_seed_stored_before_the_key_was_set_still_signs_in(portal):
    contact_id, view = portal.active_contact()
    secret, _ = portal.enrol(view["token"])
    with portal.rt.engine.begin() as conn:                                   # as an older release wrote it
        conn.execute(update(credentials).where(credentials.c.user_id == contact_id).values(mfa_secret=secret))
    pending = portal.sign_in().get_json()
    passed = portal.post("/sessions/mfa", {"token": pending["token"], "code": code_at(secret, 1)})
    assert passed.status_code == 200, passed.get_json()
