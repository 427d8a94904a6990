"""Sending the mail outbox through SMTP (the worker loop `send_emails`); queueing is
handlers/mail.py.

Exactly once towards people:
- A mail is queued once per (org, idempotency key) (handlers/mail.py).
- The sender claims a mail (status `sending`, committed) before talking to the SMTP
  server and records the outcome after. If the worker dies in between, nobody knows
  whether the server took the mail; on restart such a mail is marked `unconfirmed`
  and not sent again (staff see it and can resend it). That is the window that
  remains: a crash during the SMTP conversation can leave one mail unconfirmed, it
  never sends one twice. An SMTP outage only delays: mails stay pending and retry
  with backoff, then go out once.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from sqlalchemy import select, update

from services.chassis.config import Config
from services.chassis.errors import is_transient
from services.chassis.events import Event, utc_now
from services.chassis.leader import leadership
from services.notifications.adapters.smtp import PermanentFailure, SmtpMailer, SmtpSettings, TemporaryFailure
from services.notifications.domain.mail_kinds import ONE_TIME_LINK_KINDS, SENT_AND_DROPPED
from services.notifications.domain.webhook import retry_delay
from services.notifications.tables import emails

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    mail_from: str = "portal@localhost"
    retry_base_s: float = 10.0
    max_attempts: int = 30          # with backoff capped at an hour: about a day of outage
    poll_s: float = 0.2

    @classmethod
    def from_config(cls, config: Config) -> "MailSettings":
        """SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, SMTP_STARTTLS, MAIL_FROM,
        EMAIL_RETRY_BASE_S, EMAIL_MAX_ATTEMPTS (each may be prefixed NOTIFICATIONS_)."""
        get = config.setting
        smtp = SmtpSettings(host=get("SMTP_HOST", "127.0.0.1"), port=config.setting_int("SMTP_PORT", 8025),
                            username=get("SMTP_USERNAME") or None, password=get("SMTP_PASSWORD") or None,
                            starttls=get("SMTP_STARTTLS", "false").lower() == "true")
        return cls(smtp=smtp, mail_from=get("MAIL_FROM", cls.mail_from),
                   retry_base_s=config.setting_float("EMAIL_RETRY_BASE_S", cls.retry_base_s),
                   max_attempts=config.setting_int("EMAIL_MAX_ATTEMPTS", cls.max_attempts))


# -- sending -------------------------------------------------------------------------------
def send_emails(rt, stop: threading.Event) -> None:
    """Worker loop: one worker per service sends (a lock); no transaction is open
    while the SMTP server is being talked to. The mailer is the runtime's port."""
    settings = MailSettings.from_config(rt.config)
    mailer = rt.ports["mailer"]
    leader = leadership(rt.engine, "email")
    while not stop.is_set() and not leader.try_acquire():
        stop.wait(1.0)
    try:
        recover(rt)
        while not stop.is_set():
            if not leader.still_held():       # its database restarted: another worker may lead now
                log.warning("mail sending lost its leadership; standing by")
                return                        # the worker starts this loop again (chassis/worker.py)
            if send_due(rt, mailer, settings) == 0:
                stop.wait(settings.poll_s)
    finally:
        leader.release()


def recover(rt) -> int:
    """Mails left `sending` by a worker that died mid-conversation: not sent again."""
    with rt.engine.begin() as conn:
        count = conn.execute(update(emails).where(emails.c.status == "sending").values(
            status="unconfirmed", last_error="The worker stopped while sending; not resent "
                                             "automatically in case the server took it.")).rowcount
    if count:
        log.warning("%d e-mails were being sent when the worker stopped; marked unconfirmed", count)
    return count


def send_due(rt, mailer: SmtpMailer, settings: MailSettings, limit: int = 20) -> int:
    with rt.engine.connect() as conn:
        due = conn.execute(select(emails).where(emails.c.status == "pending",
                                                emails.c.next_attempt_at <= time.time())
                           .order_by(emails.c.next_attempt_at).limit(limit)).all()
    for row in due:
        if not _claim(rt, row.email_id):
            continue
        try:
            mailer.send(message(row, settings.mail_from))
        except TemporaryFailure as exc:
            _recorded(lambda: _failed(rt, row, str(exc), permanent=row.attempts + 1 >= settings.max_attempts,
                                      retry_in=retry_delay(row.attempts + 1, settings.retry_base_s)))
        except PermanentFailure as exc:
            _recorded(lambda: _failed(rt, row, str(exc), permanent=True, retry_in=0))
        else:
            _recorded(lambda: _sent(rt, row))
    return len(due)


def _recorded(record, patience_s: float = 60.0) -> None:
    """Records what the SMTP server answered, trying again while the database is away for a
    moment (a restart, a failover): the mail has gone (or not) already, and a row left
    `sending` would be marked `unconfirmed` by the next recover(), never `sent`."""
    delay, deadline = 0.2, time.monotonic() + patience_s
    while True:
        try:
            return record()
        except Exception as exc:  # noqa: BLE001 - sorted below
            if not is_transient(exc) or time.monotonic() + delay > deadline:
                raise
            log.warning("could not record a mail's outcome yet, trying again: %s", exc)
        time.sleep(delay)
        delay = min(delay * 2, 5.0)


# RFC 5322's hard limit: a List-Unsubscribe address must not be folded into encoded words
ONE_LINE_HEADERS = policy.default.clone(max_line_length=998)


def message(row, mail_from: str) -> EmailMessage:
    msg = EmailMessage(policy=ONE_LINE_HEADERS if row.unsubscribe_url else policy.default)
    msg["From"] = formataddr((row.sender_name, mail_from))
    msg["To"] = formataddr((row.recipient_name or "", row.recipient))
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = f"<{row.email_id}@{mail_from.rsplit('@', 1)[-1]}>"
    msg["X-Portal-Email-Id"] = row.email_id
    if row.unsubscribe_url:                                  # RFC 2369 + RFC 8058 one-click
        msg["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(row.text_body)
    msg.add_alternative(row.html_body, subtype="html")
    return msg


def _claim(rt, email_id: str) -> bool:
    with rt.engine.begin() as conn:
        return conn.execute(update(emails).where(emails.c.email_id == email_id,
                                                 emails.c.status == "pending")
                            .values(status="sending")).rowcount == 1


def _outcome(row, event_type: str, data: dict) -> Event:
    return Event(type=event_type, org_id=row.org_id, aggregate_type="Email",
                 aggregate_id=row.email_id, aggregate_version=row.outcome_events + 1,
                 data={"email_id": row.email_id, "template": row.kind, "recipient": row.recipient,
                       "customer_id": row.customer_id, "contact_id": row.contact_id, **data})


def _sent(rt, row) -> None:
    """Recorded as sent; a one-time link (invitation, reset, verification) leaves the table
    with it: identity keeps only the token's hash, and so does this log (a new invitation or
    reset makes a new link; a sent one is never resent from here)."""
    dropped = dict(text_body=SENT_AND_DROPPED, html_body=f"<p>{SENT_AND_DROPPED}</p>") \
        if row.kind in ONE_TIME_LINK_KINDS else {}
    with rt.store.unit_of_work() as uow:
        uow.conn.execute(update(emails).where(emails.c.email_id == row.email_id).values(
            status="sent", attempts=row.attempts + 1, sent_at=utc_now(), last_error=None,
            outcome_events=row.outcome_events + 1, **dropped))
        uow.append([_outcome(row, "EmailSent", {"provider_message_id": row.email_id})])
        uow.commit()


def _failed(rt, row, error: str, permanent: bool, retry_in: float) -> None:
    with rt.store.unit_of_work() as uow:
        values = dict(attempts=row.attempts + 1, last_error=error[:500],
                      status="failed" if permanent else "pending",
                      next_attempt_at=time.time() + retry_in)
        if permanent:
            values["outcome_events"] = row.outcome_events + 1
            uow.append([_outcome(row, "EmailFailed", {"reason": error[:500], "attempts": row.attempts + 1,
                                                      "permanent": True})])
        uow.conn.execute(update(emails).where(emails.c.email_id == row.email_id).values(**values))
        uow.commit()
    log.warning("e-mail %s not sent (%s): %s", row.email_id, "gave up" if permanent else "will retry", error)
