"""Activity mail to staff, as each one chose per kind (off / immediate / daily digest):
an immediate mail is queued once per event and person, a digest once per person and day,
never about another org, never to someone who left or chose "off"."""
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from services.chassis.events import Event
from services.notifications import bootstrap
from services.notifications.adapters.smtp import SmtpMailer
from services.notifications.app import create_app
from services.notifications.bootstrap import SPEC
from services.notifications.handlers.mail_delivery import send_due
from services.notifications.tables import emails
from services.notifications.handlers.staff_mail import on_activity, queue_digests, send_digests
from tests.integration.notifications.test_email import settings
from tests.integration.notifications.test_webhooks import org_created
from tests.helpers.smtp import Inbox
from tests.helpers.tokens import bearer

TOPICS = {"identity": "portal.identity.v1", "support": "portal.support.v1"}


def handle(rt, event: Event, service: str = "support") -> None:
    """What the consumer runner does with one incoming event (a duplicate is skipped)."""
    topic = TOPICS[service]
    with rt.store.unit_of_work() as uow:
        if uow.mark_handled(event.event_id, topic, event.type):
            bootstrap.subscriptions()[topic][event.type](event, uow)
        uow.commit()


def staff_added(org_id, staff_id, email, name="Sam"):
    return Event(type="StaffMemberAdded", org_id=org_id, aggregate_type="StaffMember", aggregate_id=staff_id,
                 aggregate_version=1, data={"staff_id": staff_id, "email": email, "name": name, "role": "agent"})


def staff_removed(org_id, staff_id, email):
    return Event(type="StaffMemberRemoved", org_id=org_id, aggregate_type="StaffMember", aggregate_id=staff_id,
                 aggregate_version=2, data={"staff_id": staff_id, "email": email})


def ticket_raised(org_id, actor=None, **extra):
    ticket = str(uuid.uuid4())
    return Event(type="TicketRaised", org_id=org_id, aggregate_type="Ticket", aggregate_id=ticket,
                 aggregate_version=1, data={"ticket_id": ticket}, actor=actor or {"kind": "contact", "id": "c1"},
                 **extra)


class Rounds(threading.Event):
    """A stop signal that lets a worker loop run `n` rounds (no clock involved)."""

    def __init__(self, n: int):
        super().__init__()
        self.left = n

    def wait(self, timeout=None):
        self.left -= 1
        if self.left <= 0:
            self.set()
        return self.is_set()


@pytest.fixture
def inbox():
    box = Inbox().start()
    yield box
    box.stop()


@pytest.fixture
def env(make_runtime, db_kind):
    rt = make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1")
    org_id = str(uuid.uuid4())
    handle(rt, org_created(org_id), "identity")
    for staff_id, email in (("sam", "sam@acme.test"), ("ada", "ada@acme.test")):
        handle(rt, staff_added(org_id, staff_id, email, staff_id.title()), "identity")
    return rt, create_app(rt.config).test_client(), org_id


def choose(client, org_id, staff_id, **choices):
    response = client.put(f"/orgs/{org_id}/activity/preferences", json=choices,
                          headers=bearer("staff", org_id, id=staff_id, role="agent"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def queued(rt, kind):
    with rt.engine.connect() as conn:
        return conn.execute(select(emails.c.recipient, emails.c.subject, emails.c.text_body)
                            .where(emails.c.kind == kind).order_by(emails.c.recipient)).all()


def test_preferences_are_each_staff_members_own_and_off_by_default(env):
    _, client, org_id = env
    mine = client.get(f"/orgs/{org_id}/activity/preferences", headers=bearer("staff", org_id, id="sam"))
    assert set(mine.get_json().values()) == {"off"} and "payments" in mine.get_json()
    assert choose(client, org_id, "sam", tickets="immediate", payments="daily")["tickets"] == "immediate"
    ada = client.get(f"/orgs/{org_id}/activity/preferences", headers=bearer("staff", org_id, id="ada")).get_json()
    assert ada["tickets"] == "off"
    bad = client.put(f"/orgs/{org_id}/activity/preferences", json={"tickets": "hourly", "payments": "off"},
                     headers=bearer("staff", org_id, id="sam"))
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert choose(client, org_id, "sam")["payments"] == "daily"              # nothing changed by the refusal
    other = str(uuid.uuid4())
    assert client.get(f"/orgs/{other}/activity/preferences",
                      headers=bearer("staff", org_id, id="sam")).status_code == 404


def test_an_immediate_mail_goes_once_to_those_who_asked(env, inbox):
    rt, client, org_id = env
    choose(client, org_id, "sam", tickets="immediate")
    event = ticket_raised(org_id)
    handle(rt, event)
    handle(rt, event)                                            # redelivered: skipped
    [(to, subject, body)] = queued(rt, "staff_activity")
    assert to == "sam@acme.test" and subject == "Acme: Ticket raised"
    assert "/console/activity" in body
    s = settings(inbox)
    send_due(rt, SmtpMailer(s.smtp), s)
    assert [m["To"] for m in inbox.messages] == ["Sam <sam@acme.test>"]


def test_a_replayed_event_queues_no_second_mail(env):
    rt, client, org_id = env
    choose(client, org_id, "sam", tickets="immediate")
    event = ticket_raised(org_id)
    for _ in range(2):                                           # the handler run twice (a replay)
        with rt.store.unit_of_work() as uow:
            on_activity(event, uow)
            uow.commit()
    assert len(queued(rt, "staff_activity")) == 1


def test_no_mail_about_ones_own_doing_another_org_or_after_leaving(env):
    rt, client, org_id = env
    choose(client, org_id, "sam", tickets="immediate")
    handle(rt, ticket_raised(org_id, actor={"kind": "staff", "id": "sam"}))     # Sam did it
    other = str(uuid.uuid4())
    handle(rt, org_created(other), "identity")
    handle(rt, ticket_raised(other))                                           # another org's ticket
    assert queued(rt, "staff_activity") == []
    handle(rt, staff_removed(org_id, "sam", "sam@acme.test"), "identity")
    handle(rt, ticket_raised(org_id))
    assert queued(rt, "staff_activity") == []


def test_the_daily_digest_is_queued_once_per_person_and_day(env):
    rt, client, org_id = env
    choose(client, org_id, "sam", tickets="daily")
    choose(client, org_id, "ada", tickets="off")
    for _ in range(2):
        handle(rt, ticket_raised(org_id))
    today = datetime.now(timezone.utc).date()
    assert queue_digests(rt.engine, today) == 1
    assert queue_digests(rt.engine, today) == 0                  # run again: nothing new
    [(to, subject, body)] = queued(rt, "staff_digest")
    assert to == "sam@acme.test" and "2 × Ticket raised" in body and today.strftime("%d %b %Y") in subject
    assert queue_digests(rt.engine, today - timedelta(days=1)) == 0   # a day with nothing: no mail
    assert queued(rt, "staff_activity") == []                     # daily is not immediate


def test_the_worker_sends_yesterdays_digest_once_however_often_it_runs(env):
    rt, client, org_id = env
    choose(client, org_id, "ada", tickets="daily")
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    handle(rt, ticket_raised(org_id, occurred_at=yesterday.isoformat()))
    handle(rt, ticket_raised(org_id))                                  # today's: tomorrow's digest
    send_digests(rt, Rounds(3))
    send_digests(rt, Rounds(2))                                        # a second worker, or a restart
    [(to, subject, body)] = queued(rt, "staff_digest")
    assert to == "ada@acme.test" and "1 × Ticket raised" in body
    assert yesterday.strftime("%d %b %Y") in subject
