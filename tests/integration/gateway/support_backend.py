"""The real support service behind the gateway's tests, in process (as billing_backend.py
runs billing): its Flask app answers the gateway's HTTP client through a requests adapter,
on one SQLite database for the test process, checking the internal tokens the fake identity
signs."""
from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from sqlalchemy import delete, insert, select

from services.chassis import migrate
from services.chassis.config import Config
from services.chassis.orgs import known_orgs
from services.chassis.tables import events
from services.support.app import create_app
from services.support.bootstrap import SPEC
from tests.integration.gateway.billing_backend import WsgiAdapter
from tests.helpers.tokens import bearer

_support = {}


def support_app():
    """One migrated support app per test process (SQLite in a temporary folder)."""
    if "app" not in _support:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='gw-support-')) / 'support.db'}"
        migrate.upgrade(SPEC, url)
        _support["app"] = create_app(Config.from_env("support", database_url=url, kafka_bootstrap="127.0.0.1:1"))
    return _support["app"]


def mount(gateway_app) -> None:
    session = gateway_app.extensions["gateway"].services["support"].session
    session.mount("http://", WsgiAdapter(support_app()))


def org_settings(org_id: str, **settings) -> None:
    """support's copy of the org's settings (identity's events bring it in production)."""
    with support_app().extensions["portal"].engine.begin() as conn:
        conn.execute(delete(known_orgs).where(known_orgs.c.org_id == org_id))
        conn.execute(insert(known_orgs).values(org_id=org_id, name="Org", host=None, settings=settings))


def staff_says(org_id: str, ticket_id: str, body: str) -> dict:
    answer = support_app().test_client().post(f"/orgs/{org_id}/tickets/{ticket_id}/messages", json={"body": body},
                                              headers=bearer("staff", org_id, id="staff-x", name="Kim Agent"))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def staff_do(org_id: str, ticket_id: str, action: str, **body) -> dict:
    answer = support_app().test_client().post(f"/orgs/{org_id}/tickets/{ticket_id}/{action}", json=body,
                                              headers=bearer("staff", org_id, id=str(uuid.uuid4())))
    assert answer.status_code in (200, 201), answer.get_json()
    return answer.get_json()


def raised_for(org_id: str, customer_id: str, contact_id: str, subject: str = "Broken login") -> dict:
    """A ticket raised by a contact, the way the portal raises one."""
    contact = bearer("contact", org_id, id=contact_id, customer_id=customer_id, permissions=("view", "submit_tickets"),
                     modules=("tickets",), name="Someone")
    answer = support_app().test_client().post(f"/orgs/{org_id}/customers/{customer_id}/tickets", headers=contact,
                                              json={"subject": subject, "description": "It does not work."})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def recorded(type_: str, ticket_id: str) -> list[dict]:
    with support_app().extensions["portal"].engine.connect() as conn:
        return [r.data for r in conn.execute(select(events.c.data).where(
            events.c.type == type_, events.c.stream_id == ticket_id).order_by(events.c.position))]


def staff_ticket(org_id: str, ticket_id: str) -> dict:
    answer = support_app().test_client().get(f"/orgs/{org_id}/tickets/{ticket_id}",
                                             headers=bearer("staff", org_id, id="matrix-staff"))
    return answer.get_json()


def ticket_with_subject(org_id: str, subject: str) -> dict | None:
    answer = support_app().test_client().get(f"/orgs/{org_id}/tickets", query_string={"q": subject},
                                             headers=bearer("staff", org_id, id="matrix-staff"))
    return next((t for t in answer.get_json()["items"] if t["subject"] == subject), None)


def read_mark(ticket_id: str, reader: str) -> int:
    from services.support.tables import ticket_reads
    with support_app().extensions["portal"].engine.connect() as conn:
        return conn.execute(select(ticket_reads.c.seq).where(ticket_reads.c.ticket_id == ticket_id,
                                                             ticket_reads.c.reader == reader)).scalar() or 0


def reviews_of(org_id: str) -> list[dict]:
    answer = support_app().test_client().get(f"/orgs/{org_id}/reviews", headers=bearer("staff", org_id, id="m"))
    return answer.get_json()["items"]


def canned(org_id: str) -> list[dict]:
    answer = support_app().test_client().get(f"/orgs/{org_id}/canned-replies", headers=bearer("staff", org_id, id="m"))
    return answer.get_json()


def add_canned(org_id: str, title: str = "Thanks") -> dict:
    answer = support_app().test_client().post(f"/orgs/{org_id}/canned-replies", json={"title": title, "body": "Thank you."},
                                              headers=bearer("staff", org_id, id="m"))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()
