"""The public unsubscribe pages, against the real notifications service in process: the link
of a non-essential mail shows what it would stop and asks (GET changes nothing), the button
(CSRF) applies it, the RFC 8058 one-click POST works without a CSRF token, and a bad or
another org's token is a readable 404, never a 500."""
from __future__ import annotations

import pytest

from services.notifications.queries import unsubscribes
from tests.integration.gateway import notifications_backend as backend
from tests.integration.gateway.conftest import Browser, text

QUESTION = "Stop e-mails about new invoices, payment reminders and comments on invoices from Acme Trading?"
INVALID = "This unsubscribe link does not work"


@pytest.fixture
def token(world) -> str:
    """The link of a comment mail to Ann (a non-essential mail of the topic "invoices")."""
    mail = backend.queue_mail(world.org, world.ann.email, contact_id=world.ann.id,
                              customer_id=world.customer["customer_id"])
    return backend.unsubscribe_token(mail["email_id"])


def unsubscribed(world) -> bool:
    with backend.runtime().engine.connect() as conn:
        return unsubscribes.is_unsubscribed(conn, world.org["org_id"], f"contact:{world.ann.id}", "invoices")


def test_the_link_asks_first_and_the_button_unsubscribes(world, browser, token):
    page = browser.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and QUESTION in text(page)
    assert browser.get(f"/unsubscribe/{token}").status_code == 200
    assert not unsubscribed(world)                                   # opening the link changed nothing
    done = browser.send(f"/unsubscribe/{token}", {})
    assert done.status_code == 200 and "You are unsubscribed" in text(done)
    assert "receipts, password resets" in text(done) and "profile" in text(done)
    assert unsubscribed(world)
    assert "Already unsubscribed" in text(browser.get(f"/unsubscribe/{token}"))
    again = backend.queue_mail(world.org, world.ann.email, contact_id=world.ann.id)
    assert backend.email_row(again["email_id"]).status == "unsubscribed"      # the next one is not sent


def test_the_button_without_its_csrf_token_changes_nothing(world, browser, token):
    refused = browser.post(f"/unsubscribe/{token}", {}, csrf=False)
    assert refused.status_code == 400 and "This form has expired" in text(refused)
    assert not unsubscribed(world)


def test_one_click_post_unsubscribes_without_a_csrf_token(world, app, token):
    answer = app.test_client().post(f"http://portal.test/unsubscribe/{token}/one-click",
                                    data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    assert "Unsubscribed from new invoices, payment reminders and comments on invoices" in answer.get_data(as_text=True)
    assert unsubscribed(world)
    assert app.test_client().post(f"http://portal.test/unsubscribe/{token}/one-click").status_code == 200


@pytest.mark.parametrize("bad", ["nope", "x" * 600, "WyJhIiwiYiIsImMiXQ.forged-signature"])
def test_a_bad_token_is_a_readable_404(world, browser, bad, token):
    page = browser.get(f"/unsubscribe/{bad}")
    assert page.status_code == 404 and INVALID in text(page)
    assert browser.send(f"/unsubscribe/{bad}", {}).status_code == 404
    one_click = browser.client.post(f"http://portal.test/unsubscribe/{bad}/one-click")
    assert one_click.status_code == 404 and "not valid" in one_click.get_data(as_text=True)
    assert browser.get(f"/unsubscribe/{token[:-2]}").status_code == 404          # a changed signature
    assert not unsubscribed(world)


def test_another_orgs_link_does_not_work_on_this_orgs_host(world, browser):
    other = world.fake.add_org("other.test", "Other Co")
    mail = backend.queue_mail(other, "kim@other.test", contact_id="c-kim")
    foreign = backend.unsubscribe_token(mail["email_id"])
    assert INVALID in text(browser.get(f"/unsubscribe/{foreign}"))
    assert browser.client.post(f"http://portal.test/unsubscribe/{foreign}/one-click").status_code == 404
    there = Browser(browser.app, host="other.test")
    assert "Stop e-mails about new invoices, payment reminders and comments on invoices from Other Co?" in text(there.get(f"/unsubscribe/{foreign}"))
