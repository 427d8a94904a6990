"""Issue 14, case 14: throttling counts a guess before it checks it. Tried before the fix:
guesses sent at once all passed the "blocked?" check before any failure was counted, so an
attacker with many connections got every guess verified. Now each try is counted, under a
lock of its counter, before the password or code is looked at: of forty guesses sent at
once only the first few are checked, the rest are refused as too many. SQLite and
PostgreSQL."""
from __future__ import annotations

import threading

from tests.integration.identity.test_signin import PASSWORD, portal  # noqa: F401 - the fixture

GUESSES = 40


def at_once(portal, path, body) -> list[int]:
    """POST the same body GUESSES times from as many threads, released together."""
    app, headers = portal.client.application, dict(portal.client.environ_base)
    start, answers = threading.Barrier(GUESSES), []

    def guess():
        client = app.test_client()
        client.environ_base.update(headers)
        start.wait()
        answers.append(client.post(f"/orgs/{portal.org}{path}", json=body).status_code)
    threads = [threading.Thread(target=guess) for _ in range(GUESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_forty_password_guesses_at_once_get_only_a_few_checked(portal):
    portal.active_contact("sam@bolt.test")
    answers = at_once(portal, "/sessions", {"kind": "contact", "email": "sam@bolt.test",
                                            "password": "wrong guess", "ip": "203.0.113.9"})
    checked = answers.count(401)
    assert checked + answers.count(429) == GUESSES, sorted(answers)
    assert checked <= 10, f"{checked} of {GUESSES} guesses were checked"
    assert len(portal.events("LoginFailed")) == GUESSES                    # every one is in the audit


def test_the_right_password_after_a_few_wrong_ones_still_signs_in(portal):
    portal.active_contact("sam@bolt.test")
    for _ in range(3):
        assert portal.sign_in("sam@bolt.test", "wrong guess").status_code == 401
    assert portal.sign_in("sam@bolt.test").status_code == 201
    for _ in range(4):                                                     # the count started again
        assert portal.sign_in("sam@bolt.test", "wrong guess").status_code == 401
    assert portal.sign_in("sam@bolt.test").status_code == 201
