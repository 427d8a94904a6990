"""The real notifications service behind the gateway's tests, in process (as billing_backend.py
runs billing): its Flask app answers the gateway's HTTP client through a requests adapter,
on one SQLite database for the test process, checking the internal tokens the fake identity
signs. In production identity's OrganizationCreated event tells notifications about an org;
here the adapter copies each org the gateway asks about from the fake identity first."""
from __future__ import annotations

import re
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import insert, select

from services.chassis import migrate
from services.chassis.config import Config
from services.chassis.events import Event
from services.chassis.orgs import known_orgs
from services.notifications import bootstrap
from services.notifications.handlers import activity
from services.notifications.adapters.webhook_http import Outcome, WebhookSender, status_sentence
from services.notifications.app import create_app
from services.notifications.bootstrap import SPEC
from services.notifications.handlers.webhook_delivery import WebhookSettings, deliver_due
from tests.integration.gateway.billing_backend import WsgiAdapter
from tests.helpers.tokens import bearer

_notifications = {}
ORG_PATH = re.compile(r"^/orgs/([^/]+)/")


def notifications_app():
    """One migrated notifications app per test process (SQLite in a temporary folder)."""
    if "app" not in _notifications:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='gw-notifications-')) / 'notifications.db'}"
        migrate.upgrade(SPEC, url)
        _notifications["app"] = create_app(Config.from_env("notifications", database_url=url,
                                                           kafka_bootstrap="127.0.0.1:1"))
    return _notifications["app"]


def runtime():
    return notifications_app().extensions["portal"]


def know_org(org: dict) -> None:
    """notifications' copy of an org of the fake identity (its OrganizationCreated, in production)."""
    with runtime().engine.begin() as conn:
        if conn.execute(select(known_orgs.c.org_id).where(known_orgs.c.org_id == org["org_id"])).first() is None:
            conn.execute(insert(known_orgs).values(org_id=org["org_id"], name=org["name"],
                                                   host=org["host"], settings=org["settings"]))


class KnownOrgsAdapter(WsgiAdapter):
    """Makes sure notifications knows the org of the path (as identity's event would have told it)."""

    def __init__(self, app, identity):
        super().__init__(app)
        self.identity = identity

    def send(self, request, **kwargs):
        match = ORG_PATH.match(request.path_url)
        org = self.identity.orgs.get(match.group(1)) if match else None
        if org is not None:
            know_org(org)
        return super().send(request, **kwargs)


# -- staff calls straight to the service (set-up and checks in tests about the console) ---------
def _call(method: str, org: dict, path: str, staff_id: str = "test-owner", **kwargs):
    know_org(org)
    return notifications_app().test_client().open(
        f"/orgs/{org['org_id']}{path}", method=method,
        headers=bearer("staff", org["org_id"], id=staff_id, role="owner"), **kwargs)


def add_webhook(org: dict, url: str = "https://erp.example.test/hook", types=("CustomerCreated",)) -> dict:
    answer = _call("POST", org, "/webhooks", json={"url": url, "event_types": list(types)})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def webhooks(org: dict) -> list[dict]:
    return _call("GET", org, "/webhooks").get_json()


def switch_webhook(org: dict, webhook_id: str, on: bool) -> None:
    assert _call("POST", org, f"/webhooks/{webhook_id}/{'enable' if on else 'disable'}").status_code == 200


def template(org: dict, kind: str, locale: str = "en") -> dict:
    return _call("GET", org, f"/email-templates/{kind}/{locale}").get_json()


def save_template(org: dict, kind: str, locale: str = "en", subject: str = "Custom {{ org.name }}") -> None:
    answer = _call("PUT", org, f"/email-templates/{kind}/{locale}",
                   json={"subject": subject, "text": "Hello {{ recipient.name }}"})
    assert answer.status_code == 200, answer.get_json()


def mail_preferences(org: dict, staff_id: str) -> dict:
    return _call("GET", org, "/activity/preferences", staff_id=staff_id).get_json()


def know_staff(org_id: str, staff_id: str, email: str, name: str) -> None:
    """identity's StaffMemberAdded reaching notifications (who the org's staff are, to mail them)."""
    event = Event(type="StaffMemberAdded", org_id=org_id, aggregate_type="StaffMember", aggregate_id=staff_id,
                  aggregate_version=1, data={"staff_id": staff_id, "email": email, "name": name, "role": "owner"})
    topic = "portal.identity.v1"
    with runtime().store.unit_of_work() as uow:
        if uow.mark_handled(event.event_id, topic, event.type):
            bootstrap.subscriptions()[topic][event.type](event, uow)
        uow.commit()


def queued_mails(org_id: str, kind: str) -> list:
    """(recipient, subject) of the org's queued mails of one kind."""
    from services.notifications.tables import emails
    with runtime().engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(emails.c.recipient, emails.c.subject).where(
            emails.c.org_id == org_id, emails.c.kind == kind))]


def unread(org: dict, staff_id: str) -> int:
    return _call("GET", org, "/activity/unread", staff_id=staff_id).get_json()["unread"]


def mount(gateway_app) -> None:
    gw = gateway_app.extensions["gateway"]
    gw.services["notifications"].session.mount("http://", KnownOrgsAdapter(notifications_app(), gw.identity))


def happened(org_id: str, type_: str = "CustomerCreated", topic: str = "portal.identity.v1",
             actor: dict | None = None, name: str = "Bolt Ltd") -> Event:
    """An event of another service reaching notifications, as its consumer hands it over:
    into the org's activity feed, and queued for the webhooks that want it."""
    aggregate_id = str(uuid.uuid4())
    event = Event(type=type_, org_id=org_id, aggregate_type="Customer", aggregate_id=aggregate_id,
                  aggregate_version=1, data={"customer_id": aggregate_id, "name": name,
                                             "email": "a@bolt.test", "external_ref": None},
                  actor=actor or {"kind": "contact", "id": "c-1"})
    rt = runtime()
    with rt.store.unit_of_work() as uow:
        if uow.mark_handled(event.event_id, topic, event.type):
            activity.on_portal_event(event, uow)
        uow.commit()
    return event


class Answering(WebhookSender):
    """A receiver answering `status` to every delivery (no socket)."""

    def __init__(self, status: int):
        super().__init__(1.0)
        self.status = status

    def send(self, url, secret, body, delivery_id, event_id, event_type):
        ok = 200 <= self.status < 300
        return Outcome(ok=ok, status_code=self.status, error=None if ok else status_sentence(self.status), duration_ms=3)


def deliver(status: int, rounds: int = 1, **settings) -> None:
    """The worker's delivery loop, `rounds` times, against a receiver answering `status`."""
    for _ in range(rounds):
        deliver_due(runtime(), Answering(status), WebhookSettings(**{"retry_base_s": 0.0, **settings}))


# -- mail in the log (the console's sent e-mail, unsubscribe links) ---------------------------------
COMMENT = {"document_number": "INV-000123", "comment": "We applied your discount.", "link": "https://x.test/i/1"}


def queue_mail(org: dict, to: str = "ann@globex.test", kind: str = "portal_comment", variables: dict | None = None,
               status: str | None = None, **ids) -> dict:
    """A mail queued through notifications' API (`ids`: contact_id / customer_id); `status` then
    sets where the sender got with it (failed, unconfirmed, sent), as the worker would have."""
    from services.notifications.tables import emails
    answer = _call("POST", org, "/emails", json={"kind": kind, "to": to, "variables": variables or COMMENT,
                                                 "idempotency_key": str(uuid.uuid4()), **ids})
    assert answer.status_code == 202, answer.get_json()
    mail = answer.get_json()
    if status:
        with runtime().engine.begin() as conn:
            conn.execute(emails.update().where(emails.c.email_id == mail["email_id"]).values(
                status=status, attempts=1, last_error="450 try later" if status != "sent" else None,
                sent_at="2026-11-30T10:00:00+00:00" if status == "sent" else None))
    return mail


def email_row(email_id: str):
    from services.notifications.tables import emails
    with runtime().engine.connect() as conn:
        return conn.execute(select(emails).where(emails.c.email_id == email_id)).first()


def unsubscribe_token(email_id: str) -> str:
    """The token of a queued mail's unsubscribe link (from its List-Unsubscribe address)."""
    url = email_row(email_id).unsubscribe_url
    return url.rsplit("/unsubscribe/", 1)[1].removesuffix("/one-click")
