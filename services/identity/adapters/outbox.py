"""Mails with secret links go out through a small outbox: the row is written in the same
transaction as the event (ContactInvited ...), then handed to notifications over HTTP, right
after the commit and again by the worker until notifications has taken it. The idempotency
key makes a repeated hand-over harmless; the link is wiped from our row once handed over."""
from __future__ import annotations

import logging
import time
import uuid

from sqlalchemy import select, update

from services.chassis import auth
from services.identity.adapters.notifications import MailRefused, NotificationsClient
from services.identity.tables import mail_outbox

log = logging.getLogger(__name__)


def add(conn, org_id: str, body: dict) -> str:
    outbox_id = str(uuid.uuid4())
    conn.execute(mail_outbox.insert().values(outbox_id=outbox_id, org_id=org_id, body=body,
                                             created_at=time.time(), sent_at=None, attempts=0))
    return outbox_id


def client(config) -> NotificationsClient:
    """The mailer bootstrap puts in rt.ports["mailer"]: notifications' e-mail API, called with
    a short internal token identity signs for itself."""
    def token(org_id: str) -> str:
        return auth.sign(config.token_private_key,
                         auth.Principal(kind="system", id="identity", org_id=org_id), ttl_s=60)
    return NotificationsClient(config.service_urls["notifications"], token)


def hand_over(rt, mailer: NotificationsClient, only: str | None = None, limit: int = 50) -> int:
    query = select(mail_outbox).where(mail_outbox.c.sent_at.is_(None), mail_outbox.c.attempts >= 0)
    if only:
        query = query.where(mail_outbox.c.outbox_id == only)
    with rt.engine.connect() as conn:
        rows = conn.execute(query.order_by(mail_outbox.c.created_at).limit(limit)).all()
    handed = 0
    for row in rows:
        try:
            mailer.queue_email(row.org_id, row.body)
        except MailRefused as exc:
            log.error("notifications refused mail %s: %s", row.outbox_id, exc)
            _mark(rt, row, error=str(exc), give_up=True)
            continue
        except Exception as exc:  # noqa: BLE001 - notifications down: try again later
            _mark(rt, row, error=f"{type(exc).__name__}: {exc}")
            continue
        _mark(rt, row)
        handed += 1
    return handed


def _mark(rt, row, error: str | None = None, give_up: bool = False) -> None:
    values = {"attempts": row.attempts + 1, "last_error": (error or None) and error[:500]}
    if error is None:
        body = {**row.body, "variables": {k: ("(handed to notifications)" if "link" in k else v)
                                          for k, v in row.body.get("variables", {}).items()}}
        values.update(sent_at=time.time(), body=body)
    elif give_up:
        values["attempts"] = -1                 # refused for good: kept for the record, not retried
    with rt.engine.begin() as conn:
        conn.execute(update(mail_outbox).where(mail_outbox.c.outbox_id == row.outbox_id).values(**values))


def try_now(rt, outbox_id: str) -> None:
    """Right after the commit, from the web process: best effort, the worker retries."""
    try:
        hand_over(rt, rt.ports["mailer"], only=outbox_id)
    except Exception:  # noqa: BLE001
        log.warning("could not hand mail %s to notifications yet; the worker will", outbox_id)


def deliver_mail(rt, stop) -> None:
    """Worker loop."""
    mailer = rt.ports["mailer"]
    while not stop.is_set():
        try:
            hand_over(rt, mailer)
        except Exception:  # noqa: BLE001
            log.exception("mail outbox round failed")
        stop.wait(1.0)
