"""The audit log: every change of an org's settings, of who may reach what, of its API keys,
e-mail templates, webhooks and customers' details, with who made it and when, from the
events (the words: domain/audit.py).

One table, two feeds:
- other services' events arrive through the consumer (handlers/audit.py calls `record` in
  the transaction that marks the event handled);
- notifications' own events (templates, webhooks) through the `AuditEntries` projection,
  in the append's transaction.
The event id is the key: an event recorded once is never recorded again, whatever redelivers it.

`rebuild-projections` rebuilds the rows of notifications' own events from its event store
(`clear` empties only those). The rows of other services' events cannot be rebuilt here:
notifications keeps which events it handled, not the events; replaying the topics does.
"""
from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, delete, select

from contracts.catalogue import CATALOGUE
from services.chassis.db import upsert_insert
from services.chassis.events import Event
from services.chassis.projections import Projection
from services.notifications.domain.audit import AUDITED, audit_entry
from services.notifications.projections.webhooks import webhooks
from services.notifications.tables import known_contacts, known_staff, metadata

OWN = "notifications"

audit_entries = Table(
    "audit_entries", metadata,
    Column("event_id", String(36), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("at", String(40), nullable=False),               # the event's occurred_at (UTC, ISO 8601)
    Column("service", String(40), nullable=False),
    Column("type", String(100), nullable=False),
    Column("area", String(20), nullable=False),
    Column("what", String(500), nullable=False),
    Column("subject", String(200)),
    Column("subject_id", String(64)),
    Column("actor_kind", String(20), nullable=False),
    Column("actor_id", String(64)),
    Column("actor_name", String(200)),                      # as notifications knew them then
    Index("ix_audit_entries_org_at", "org_id", "at", "event_id"),
    Index("ix_audit_entries_org_actor", "org_id", "actor_id"),
)


def actor_name(conn, org_id: str, actor: dict) -> str | None:
    """Who acted, by name: a contact or a staff member notifications knows of, or an API key
    by the name it was created with (its ApiKeyCreated entry)."""
    kind, actor_id = actor.get("kind"), actor.get("id")
    if kind == "api_key" and actor_id:
        return conn.execute(select(audit_entries.c.subject).where(
            audit_entries.c.org_id == org_id, audit_entries.c.type == "ApiKeyCreated",
            audit_entries.c.subject_id == actor_id)).scalar()
    return _person(conn, kind, actor_id)


def _person(conn, kind: str | None, person_id: str | None) -> str | None:
    table, key = {"contact": (known_contacts, "contact_id"), "staff": (known_staff, "staff_id")}.get(
        kind, (None, None))
    if table is None or not person_id:
        return None
    return conn.execute(select(table.c.name).where(table.c[key] == person_id)).scalar()


class _Known:
    """domain/audit.Known over one connection."""

    def __init__(self, conn, org_id: str):
        self.conn, self.org_id = conn, org_id

    def person(self, kind, person_id):
        return _person(self.conn, kind, person_id)

    def webhook_host(self, webhook_id):
        return self.conn.execute(select(webhooks.c.host).where(
            webhooks.c.webhook_id == webhook_id, webhooks.c.org_id == self.org_id)).scalar()


def record(conn, event: Event) -> None:
    """One entry for an audited event (nothing for any other); a second delivery changes nothing."""
    actor = event.actor or {}
    entry = audit_entry(event.type, event.data or {}, actor, _Known(conn, event.org_id))
    if entry is None:
        return
    conn.execute(upsert_insert(conn, audit_entries).values(
        event_id=event.event_id, org_id=event.org_id, at=event.occurred_at, service=CATALOGUE[event.type].service,
        type=event.type, area=entry.area, what=entry.what, subject=entry.subject, subject_id=entry.subject_id,
        actor_kind=actor.get("kind") or "system", actor_id=actor.get("id"),
        actor_name=actor_name(conn, event.org_id, actor)).on_conflict_do_nothing(index_elements=["event_id"]))


class AuditEntries(Projection):
    """notifications' own audited events; listed before Webhooks (projections/__init__.py), so
    that a deleted webhook's host is still there to name it."""

    tables = (audit_entries,)

    def apply(self, conn, event: Event) -> None:
        if event.type in AUDITED:
            record(conn, event)

    def clear(self, conn) -> None:
        conn.execute(delete(audit_entries).where(audit_entries.c.service == OWN))
