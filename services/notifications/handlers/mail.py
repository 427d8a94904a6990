"""E-mail: queue a mail composed from the org's template, resend one, change an org's
templates. Sending the queue is handlers/mail_delivery.py.

A mail is queued once per (org, idempotency key): a caller's retry, or a replayed event
that uses the event id in its key, finds the mail already there. Rendering happens when
it is queued, so a retry or a resend sends exactly what was composed.

Each mail is in its recipient's language: the one the caller gives (a contact's own choice),
else the org's default language (its settings' `default_language`), else English
(`recipient_locale`). The wording is the org's own or ours in that language
(queries/templates.wording), the portal's own words in it from notifications' catalogues.
"""
from __future__ import annotations

import time
import uuid

from sqlalchemy import select, update

from services.chassis import orgs
from services.chassis.db import upsert_insert
from services.chassis.errors import ConcurrencyConflict, DomainError, NotFound
from services.chassis.events import utc_now
from services.notifications.adapters import templates
from services.notifications.domain.commands import ChangeTemplate, QueueEmail, ResendEmail, ResetTemplate
from services.notifications.domain.email_template import EmailTemplate, check_placeholders, kind_of, template_id
from services.notifications.domain.mail_kinds import SAMPLE_COMMON
from services.notifications.domain.unsubscribe import describe, recipient_key, topic_of
from services.notifications.handlers import unsubscribes
from services.notifications.i18n import mail_locale
from services.notifications.queries.templates import brand_of, fill, wording
from services.notifications.queries.unsubscribes import is_unsubscribed
from services.notifications.tables import emails


# -- templates ---------------------------------------------------------------------------
def change_template(rt, cmd: ChangeTemplate) -> None:
    kind, subject, text, html = cmd.kind, cmd.subject, cmd.text, cmd.html
    for part, source in (("subject", subject), ("text", text), ("html", html)):
        # a typo is an error now, not a blank later; reported at the part that has it
        check_placeholders(kind_of(kind), templates.names_used(source, field=part), field=part)
    used = templates.names_used(subject, text, html)
    fill({"subject": subject, "text": text, "html": html},      # and it must fill in
         {**kind_of(kind).sample, **SAMPLE_COMMON}, kind)
    with rt.store.unit_of_work() as uow:
        orgs.get(uow.conn, cmd.org_id)
        tmpl = _load_or_start(uow, cmd.org_id, kind, cmd.locale)
        tmpl.change(kind, cmd.locale, subject, text, html, used)
        uow.add(tmpl)
        uow.commit()


def reset_template(rt, cmd: ResetTemplate) -> None:
    with rt.store.unit_of_work() as uow:
        orgs.get(uow.conn, cmd.org_id)
        tmpl = _load_or_start(uow, cmd.org_id, cmd.kind, cmd.locale)
        tmpl.reset(cmd.kind, cmd.locale)
        uow.add(tmpl)
        uow.commit()


def _load_or_start(uow, org_id: str, kind: str, locale: str) -> EmailTemplate:
    try:
        return uow.load(EmailTemplate, template_id(org_id, kind, locale), org_id)
    except NotFound:
        return EmailTemplate.start(org_id, kind, locale)


# -- queueing ------------------------------------------------------------------------------
def queue_email(rt, cmd: QueueEmail) -> tuple[str, bool]:
    """Queue one mail; returns (email_id, created)."""
    with rt.store.unit_of_work() as uow:
        queued = enqueue_in(uow.conn, cmd.org_id, cmd.kind, cmd.to, cmd.variables, cmd.idempotency_key, cmd.name,
                            cmd.locale, cmd.customer_id, cmd.contact_id, cmd.staff_id)
        uow.commit()
    return queued


def enqueue_in(conn, org_id: str, kind: str, to: str, variables: dict, idempotency_key: str,
               name: str | None = None, locale: str | None = None, customer_id: str | None = None,
               contact_id: str | None = None, staff_id: str | None = None) -> tuple[str, bool]:
    """`queue_email` in the caller's transaction (an event handler's): the mail is queued exactly
    when the event is marked handled, and a redelivered event finds its idempotency key.

    Non-essential mail (handlers/unsubscribes.py): to a recipient who unsubscribed from its
    topic it is logged with the status `unsubscribed` and never sent; otherwise it carries the links."""
    k = kind_of(kind)
    unknown = sorted(set(variables) - set(k.placeholders))
    missing = sorted(set(k.placeholders) - set(variables))
    if unknown or missing:
        raise DomainError("; ".join(filter(None, [
            unknown and f"unknown variable: {', '.join(unknown)}",
            missing and f"missing variable: {', '.join(missing)}"])) + ".", field="variables")
    org = orgs.get(conn, org_id)
    locale = recipient_locale(conn, org_id, locale)
    content = fill(wording(conn, org_id, kind, locale), {
        **variables, "org": {"name": org["name"], "host": org["host"]},
        "recipient": {"name": name or "", "email": to}}, kind, brand_of(conn, org_id), mail_locale(locale))
    topic, who = topic_of(kind), recipient_key(to, contact_id, staff_id)
    stopped = topic is not None and is_unsubscribed(conn, org_id, who, topic)
    links = unsubscribes.links(conn, org_id, who, topic) if topic and not stopped else None
    if links:
        content = unsubscribes.with_footer(content, links["page"], topic, locale)
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


def recipient_locale(conn, org_id: str, language: str | None = None) -> str:
    """The language a mail to someone is in: theirs when they chose one, else the org's
    default language (a setting an org may not have), else English."""
    if language:
        return language
    return orgs.settings(conn, org_id).get("default_language") or "en"


def resend_email(rt, cmd: ResendEmail) -> None:
    with rt.store.unit_of_work() as uow:
        done = uow.conn.execute(update(emails).where(
            emails.c.org_id == cmd.org_id, emails.c.email_id == cmd.email_id,
            emails.c.status.in_(["unconfirmed", "failed"]))
            .values(status="pending", attempts=0, next_attempt_at=time.time(), last_error=None))
        if done.rowcount == 0:
            exists = uow.conn.execute(select(emails.c.status).where(
                emails.c.org_id == cmd.org_id, emails.c.email_id == cmd.email_id)).scalar()
            if exists is None:
                raise NotFound("No such e-mail.")
            raise ConcurrencyConflict(f"This e-mail is {exists}; only an unconfirmed or failed one is resent.")
        uow.commit()
