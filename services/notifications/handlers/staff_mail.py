"""Mail to staff about portal activity, as each staff member chose per kind of activity
(domain/activity_kinds.py): off (the default), immediate, or a daily digest.

- notifications keeps the org's staff from identity's events (StaffMemberAdded, StaffInvited,
  StaffMemberActivated, StaffMemberRemoved): their address, and whether they still belong.
- In the org's default language (else English): staff choose no language of their own here.
- Immediate: queued in the transaction of the incoming event's handler, under the key
  `activity:<event id>:<staff id>`, so a redelivered or replayed event queues no second mail
  (and the mail outbox sends each queued mail at most once, mail_delivery.py). The staff member who
  did the thing is not told about it.
- Daily digest: a worker loop (`send_digests`) queues, for each staff member with any
  "daily" kind, one mail summing up the previous UTC day's activity of those kinds, under
  the key `digest:<staff id>:<day>`: run it any number of times, by any number of workers,
  each person gets one digest per day (none for a day with nothing to tell). Days are UTC
  days; an org's own time zone is not taken into account. DIGEST_CHECK_S (or
  NOTIFICATIONS_DIGEST_CHECK_S): how often the loop looks (default 300 s).
"""
from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import delete, insert, select, update

from services.chassis import orgs
from services.chassis.db import upsert_insert
from services.chassis.errors import DomainError
from services.chassis.events import Event
from services.notifications.domain.activity_kinds import ACTIVITY_KINDS, MODES, activity_kind, label
from services.notifications.domain.commands import SetMailPreferences
from services.notifications.handlers import mail, unsubscribes
from services.notifications.handlers.customer_mail import day as day_in
from services.notifications.i18n import words
from services.notifications.queries.links import portal_url
from services.notifications.tables import activity, known_staff, staff_mail_prefs

log = logging.getLogger(__name__)


# -- the staff, from identity's events ------------------------------------------------------------
def on_staff_added(event: Event, uow) -> None:
    d = event.data
    values = {"staff_id": d["staff_id"], "org_id": event.org_id, "email": d["email"], "name": d["name"],
              "active": True}
    uow.conn.execute(upsert_insert(uow.conn, known_staff).values(**values).on_conflict_do_update(
        index_elements=["staff_id"], set_={k: v for k, v in values.items() if k != "staff_id"}))


def on_staff_activated(event: Event, uow) -> None:
    uow.conn.execute(update(known_staff).where(known_staff.c.staff_id == event.data["staff_id"])
                     .values(email=event.data["email"]))


def on_staff_removed(event: Event, uow) -> None:
    uow.conn.execute(update(known_staff).where(known_staff.c.staff_id == event.data["staff_id"])
                     .values(active=False))


# -- preferences --------------------------------------------------------------------------------
def set_mail_preferences(rt, cmd: SetMailPreferences) -> None:
    """All or nothing: an unknown kind or mode is refused before anything is written."""
    org_id, staff_id, choices = cmd.org_id, cmd.staff_id, cmd.choices
    for kind, mode in choices.items():
        if kind not in ACTIVITY_KINDS:
            raise DomainError(f"No kind of activity called {kind}.", field=kind)
        if mode not in MODES:
            raise DomainError(f"Choose one of: {', '.join(MODES)}.", field=kind)
    with rt.engine.begin() as conn:
        orgs.get(conn, org_id)
        conn.execute(delete(staff_mail_prefs).where(staff_mail_prefs.c.org_id == org_id,
                                                    staff_mail_prefs.c.staff_id == staff_id,
                                                    staff_mail_prefs.c.kind.in_(list(choices))))
        rows = [{"org_id": org_id, "staff_id": staff_id, "kind": k, "mode": m}
                for k, m in choices.items() if m != "off"]
        if rows:
            conn.execute(insert(staff_mail_prefs), rows)
            # chosen again: lifts a link's unsubscribe
            unsubscribes.resubscribe(conn, org_id, f"staff:{staff_id}", "activity")


def _readers(conn, org_id: str, kinds: list[str], mode: str):
    return conn.execute(select(known_staff, staff_mail_prefs.c.kind).join(
        staff_mail_prefs, (staff_mail_prefs.c.staff_id == known_staff.c.staff_id)
        & (staff_mail_prefs.c.org_id == known_staff.c.org_id)).where(
        known_staff.c.org_id == org_id, known_staff.c.active.is_(True),
        staff_mail_prefs.c.kind.in_(kinds), staff_mail_prefs.c.mode == mode)).all()


def _feed_link(conn, org_id: str) -> str:
    return portal_url(conn, org_id, "/console/activity")


# -- immediate ------------------------------------------------------------------------------------
def on_activity(event: Event, uow) -> None:
    """Called for every portal event after it is in the feed: mail those who want it at once."""
    kind = activity_kind(event.type)
    if kind is None:
        return
    actor = (event.actor or {}).get("id")
    locale = mail.recipient_locale(uow.conn, event.org_id)
    for reader in _readers(uow.conn, event.org_id, [kind], "immediate"):
        if reader.staff_id == actor:
            continue                                   # nobody is told what they did themselves
        mail.enqueue_in(uow.conn, event.org_id, "staff_activity", reader.email,
                        {"activity": words(locale).gettext(label(event.type)),
                         "link": _feed_link(uow.conn, event.org_id)},
                        idempotency_key=f"activity:{event.event_id}:{reader.staff_id}", name=reader.name,
                        locale=locale, staff_id=reader.staff_id)


# -- the daily digest -----------------------------------------------------------------------------
def queue_digests(engine, day: date) -> int:
    """Queue the digest of `day` (UTC) for everyone who wants one; answers how many were new."""
    start, end = day.isoformat(), (day + timedelta(days=1)).isoformat()
    new = 0
    with engine.begin() as conn:
        readers = conn.execute(select(known_staff, staff_mail_prefs.c.kind).join(
            staff_mail_prefs, (staff_mail_prefs.c.staff_id == known_staff.c.staff_id)
            & (staff_mail_prefs.c.org_id == known_staff.c.org_id)).where(
            known_staff.c.active.is_(True), staff_mail_prefs.c.mode == "daily")).all()
        wants: dict[tuple, set[str]] = {}
        people = {}
        for r in readers:
            wants.setdefault((r.org_id, r.staff_id), set()).add(r.kind)
            people[(r.org_id, r.staff_id)] = r
        for (org_id, staff_id), kinds in sorted(wants.items()):
            types = [t for k in kinds for t in ACTIVITY_KINDS[k]]
            happened = Counter(conn.execute(select(activity.c.type).where(
                activity.c.org_id == org_id, activity.c.type.in_(types),
                activity.c.occurred_at >= start, activity.c.occurred_at < end)).scalars())
            if not happened:
                continue
            locale = mail.recipient_locale(conn, org_id)
            t = words(locale)
            summary = "\n".join(f"{n} × {t.gettext(label(kind))}" for kind, n in sorted(happened.items()))
            person = people[(org_id, staff_id)]
            _, created = mail.enqueue_in(conn, org_id, "staff_digest", person.email, {
                "day": day_in(day.isoformat(), locale), "summary": summary, "link": _feed_link(conn, org_id)},
                idempotency_key=f"digest:{staff_id}:{day.isoformat()}", name=person.name, locale=locale,
                staff_id=staff_id)
            new += created
    return new


def send_digests(rt, stop: threading.Event, every_s: float = 300.0) -> None:
    """Worker loop: every few minutes, yesterday's digests (each queued once per person and day)."""
    every_s = rt.config.setting_float("DIGEST_CHECK_S", every_s)
    while not stop.is_set():
        try:
            yesterday = datetime.now(timezone.utc).date() - timedelta(days=1)
            queued = queue_digests(rt.engine, yesterday)
            if queued:
                log.info("queued %d activity digests for %s", queued, yesterday)
        except Exception:                                  # a bad night must not stop the worker
            log.exception("activity digests failed; trying again later")
        stop.wait(every_s)
