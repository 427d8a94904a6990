"""E-mail: compose from the org's template, queue in the outbox, send through SMTP.

Exactly once towards people:
- A mail is queued once per (org, idempotency key): a caller's retry, or a replayed
  event that uses the event id in its key, finds the mail already there.
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
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from sqlalchemy import insert, select, update

from services.chassis import orgs
from services.chassis.db import upsert_insert
from services.chassis.errors import ConcurrencyConflict, DomainError, NotFound
from services.chassis.events import Event, utc_now
from services.chassis.leader import leadership
from services.notifications import unsubscribes
from services.notifications.adapters import templates
from services.notifications.adapters.smtp import (PermanentFailure, SmtpMailer, SmtpSettings,
                                                  TemporaryFailure)
from services.notifications.domain.email_template import (EmailTemplate, check_placeholders,
                                                         kind_of, template_id)
from services.notifications.domain.mail_kinds import SAMPLE_COMMON
from services.notifications.domain.unsubscribe import describe, recipient_key, topic_of
from services.notifications.domain.webhook import retry_delay
from services.notifications.projections import email_templates, emails

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    mail_from: str = "portal@localhost"
    retry_base_s: float = 10.0
    max_attempts: int = 30          # with backoff capped at an hour: about a day of outage
    poll_s: float = 0.2

    @classmethod
    def from_env(cls) -> "MailSettings":
        env = os.environ.get
        smtp = SmtpSettings(host=env("SMTP_HOST", "127.0.0.1"), port=int(env("SMTP_PORT", "8025")),
                            username=env("SMTP_USERNAME") or None, password=env("SMTP_PASSWORD") or None,
                            starttls=env("SMTP_STARTTLS", "false").lower() == "true")
        return cls(smtp=smtp, mail_from=env("MAIL_FROM", cls.mail_from),
                   retry_base_s=float(env("EMAIL_RETRY_BASE_S", cls.retry_base_s)),
                   max_attempts=int(env("EMAIL_MAX_ATTEMPTS", cls.max_attempts)))


# -- templates ---------------------------------------------------------------------------
def wording(conn, org_id: str, kind: str, locale: str) -> dict:
    """The org's own template for this kind and language, else its base language, else ours."""
    for loc in dict.fromkeys([locale, locale.split("-")[0], "en"]):
        row = conn.execute(select(email_templates).where(
            email_templates.c.template_id == template_id(org_id, kind, loc))).first()
        if row is not None:
            return {"subject": row.subject, "text": row.text, "html": row.html, "custom": True,
                    "locale": loc}
    k = kind_of(kind)
    return {"subject": k.subject, "text": k.text, "html": None, "custom": False, "locale": "en"}


def fill(source: dict, context: dict) -> dict:
    subject = " ".join(templates.render(source["subject"], context, field="subject").split())
    text = templates.render(source["text"], context, field="text")
    html = (templates.render(source["html"], context, html=True, field="html") if source.get("html")
            else templates.html_from_text(text))
    return {"subject": subject, "text": text, "html": html}


def change_template(store, org_id: str, kind: str, locale: str, subject: str, text: str,
                    html: str | None) -> None:
    for part, source in (("subject", subject), ("text", text), ("html", html)):
        # a typo is an error now, not a blank later; reported at the part that has it
        check_placeholders(kind_of(kind), templates.names_used(source, field=part), field=part)
    used = templates.names_used(subject, text, html)
    fill({"subject": subject, "text": text, "html": html},      # and it must fill in
         {**kind_of(kind).sample, **SAMPLE_COMMON})
    with store.unit_of_work() as uow:
        orgs.get(uow.conn, org_id)
        tmpl = _load_or_start(uow, org_id, kind, locale)
        tmpl.change(kind, locale, subject, text, html, used)
        uow.add(tmpl)
        uow.commit()


def reset_template(store, org_id: str, kind: str, locale: str) -> None:
    with store.unit_of_work() as uow:
        orgs.get(uow.conn, org_id)
        tmpl = _load_or_start(uow, org_id, kind, locale)
        tmpl.reset(kind, locale)
        uow.add(tmpl)
        uow.commit()


def _load_or_start(uow, org_id: str, kind: str, locale: str) -> EmailTemplate:
    try:
        return uow.load(EmailTemplate, template_id(org_id, kind, locale), org_id)
    except NotFound:
        return EmailTemplate.start(org_id, kind, locale)


def preview(conn, org_id: str, kind: str, locale: str, draft: dict) -> dict:
    # a part left out (None) is the current wording's; an empty html ("") means none
    source = {**wording(conn, org_id, kind, locale), **{k: v for k, v in draft.items() if v is not None}}
    for part in ("subject", "text", "html"):
        check_placeholders(kind_of(kind), templates.names_used(source.get(part), field=part), field=part)
    org = orgs.get(conn, org_id)
    return fill(source, {**kind_of(kind).sample, **SAMPLE_COMMON,
                         "org": {"name": org["name"], "host": org["host"]}})


# -- queueing ------------------------------------------------------------------------------
def enqueue(store, org_id: str, kind: str, to: str, variables: dict, idempotency_key: str,
            name: str | None = None, locale: str = "en", customer_id: str | None = None,
            contact_id: str | None = None, staff_id: str | None = None) -> tuple[str, bool]:
    """Queue one mail; returns (email_id, created). Rendering happens now, so a retry
    or a resend sends exactly what was composed."""
    with store.unit_of_work() as uow:
        queued = enqueue_in(uow.conn, org_id, kind, to, variables, idempotency_key, name, locale,
                            customer_id, contact_id, staff_id)
        uow.commit()
    return queued


def enqueue_in(conn, org_id: str, kind: str, to: str, variables: dict, idempotency_key: str,
               name: str | None = None, locale: str = "en", customer_id: str | None = None,
               contact_id: str | None = None, staff_id: str | None = None) -> tuple[str, bool]:
    """`enqueue` in the caller's transaction (an event handler's): the mail is queued exactly
    when the event is marked handled, and a redelivered event finds its idempotency key.

    Non-essential mail (unsubscribes.py): to a recipient who unsubscribed from its topic it is
    logged with the status `unsubscribed` and never sent; otherwise it carries the links."""
    k = kind_of(kind)
    unknown = sorted(set(variables) - set(k.placeholders))
    missing = sorted(set(k.placeholders) - set(variables))
    if unknown or missing:
        raise DomainError("; ".join(filter(None, [
            unknown and f"unknown variable: {', '.join(unknown)}",
            missing and f"missing variable: {', '.join(missing)}"])) + ".", field="variables")
    org = orgs.get(conn, org_id)
    content = fill(wording(conn, org_id, kind, locale), {
        **variables, "org": {"name": org["name"], "host": org["host"]},
        "recipient": {"name": name or to.split("@")[0], "email": to}})
    topic, who = topic_of(kind), recipient_key(to, contact_id, staff_id)
    stopped = topic is not None and unsubscribes.is_unsubscribed(conn, org_id, who, topic)
    links = unsubscribes.links(conn, org_id, who, topic) if topic and not stopped else None
    if links:
        content = unsubscribes.with_footer(content, links["page"], topic)
    ins = upsert_insert(conn, emails)
    email_id = str(uuid.uuid4())
    created = conn.execute(ins.values(
        email_id=email_id, org_id=org_id, idempotency_key=idempotency_key, kind=kind,
        recipient=to, recipient_name=name, sender_name=org["name"], customer_id=customer_id,
        contact_id=contact_id, subject=content["subject"], text_body=content["text"],
        html_body=content["html"], status="unsubscribed" if stopped else "pending", attempts=0,
        next_attempt_at=time.time(), outcome_events=0, created_at=utc_now(),
        unsubscribe_url=links["one_click"] if links else None,
        last_error=f"Not sent: the recipient unsubscribed from {describe(topic)}." if stopped else None,
    ).on_conflict_do_nothing(index_elements=["org_id", "idempotency_key"])
        .returning(emails.c.email_id)).scalar()
    if created is None:
        email_id = conn.execute(select(emails.c.email_id).where(
            emails.c.org_id == org_id, emails.c.idempotency_key == idempotency_key)).scalar()
    return email_id, created is not None


def resend(store, org_id: str, email_id: str) -> None:
    with store.unit_of_work() as uow:
        done = uow.conn.execute(update(emails).where(
            emails.c.org_id == org_id, emails.c.email_id == email_id,
            emails.c.status.in_(["unconfirmed", "failed"]))
            .values(status="pending", attempts=0, next_attempt_at=time.time(), last_error=None))
        if done.rowcount == 0:
            exists = uow.conn.execute(select(emails.c.status).where(
                emails.c.org_id == org_id, emails.c.email_id == email_id)).scalar()
            if exists is None:
                raise NotFound("No such e-mail.")
            raise ConcurrencyConflict(f"This e-mail is {exists}; only an unconfirmed or failed one is resent.")
        uow.commit()


# -- sending -------------------------------------------------------------------------------
def send_emails(rt, stop: threading.Event, settings: MailSettings | None = None) -> None:
    """Worker loop: one worker per service sends (a lock); no transaction is open
    while the SMTP server is being talked to."""
    settings = settings or MailSettings.from_env()
    mailer = SmtpMailer(settings.smtp)
    leader = leadership(rt.engine, "email")
    while not stop.is_set() and not leader.try_acquire():
        stop.wait(1.0)
    try:
        recover(rt)
        while not stop.is_set():
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
            _failed(rt, row, str(exc), permanent=row.attempts + 1 >= settings.max_attempts,
                    retry_in=retry_delay(row.attempts + 1, settings.retry_base_s))
        except PermanentFailure as exc:
            _failed(rt, row, str(exc), permanent=True, retry_in=0)
        else:
            _sent(rt, row)
    return len(due)


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
    with rt.store.unit_of_work() as uow:
        uow.conn.execute(update(emails).where(emails.c.email_id == row.email_id).values(
            status="sent", attempts=row.attempts + 1, sent_at=utc_now(), last_error=None,
            outcome_events=row.outcome_events + 1))
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


def listing(conn, org_id: str, limit: int = 50, status: str | None = None, offset: int = 0) -> list:
    """Newest first; `status` filters (pending also counts the ones being sent right now)."""
    query = select(emails).where(emails.c.org_id == org_id)
    if status:
        query = query.where(emails.c.status.in_(["pending", "sending"] if status == "pending" else [status]))
    return conn.execute(query.order_by(emails.c.created_at.desc(), emails.c.email_id.desc())
                        .limit(limit).offset(offset)).all()
