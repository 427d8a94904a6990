"""What must hold after the faults, read from the services' own databases (the event store is
each service's truth, the read models what its pages answer from) and from the broker:

- every accepted payment settled exactly once (one PaymentSettled in its stream), its row in
  billing's read model settled, its invoice paid once (never more than its total);
- every accepted ticket and ticket message exists exactly once in support, in its events and
  in its read model; one whose answer was lost exists at most once;
- every event reached every consumer that subscribes to it (each consumer's handled_events
  holds the id of every event of the types it subscribes to), and nothing is left unpublished;
- every settled payment's receipt was queued once; every mail notifications queued was
  sent, and the mail catcher holds each exactly once (by its Message-ID);
- every dead-letter topic is empty.
"""
from __future__ import annotations

import email
import email.policy
import importlib
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text

from services.chassis.config import SERVICES


class Databases:
    def __init__(self, urls: dict[str, str]):
        self.engines = {name: create_engine(url, pool_pre_ping=True) for name, url in urls.items()}

    def rows(self, service: str, sql: str, **params) -> list:
        with self.engines[service].connect() as conn:
            return list(conn.execute(text(sql), params))

    def close(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


def subscriptions() -> dict[str, dict[str, list[str]]]:
    """consumer service -> producing service -> event types it handles."""
    found: dict[str, dict[str, list[str]]] = {}
    for consumer in SERVICES:
        spec = importlib.import_module(f"services.{consumer}.bootstrap").SPEC
        for topic, by_type in spec.subscriptions().items():
            producer = topic.split(".")[1]
            found.setdefault(consumer, {}).setdefault(producer, []).extend(by_type)
    return found


def unreached(db: Databases) -> dict[str, int]:
    """Per consumer: events of the types it subscribes to that it has not handled."""
    missing = {}
    for consumer, producers in subscriptions().items():
        handled = {r[0] for r in db.rows(consumer, "SELECT event_id FROM handled_events")}
        for producer, types in producers.items():
            produced = db.rows(producer, "SELECT event_id, type FROM events")
            lacking = [e for e, t in produced if t in types and e not in handled]
            if lacking:
                missing[f"{producer}->{consumer}"] = len(lacking)
    return missing


def unpublished(db: Databases) -> dict[str, int]:
    found = {}
    for service in SERVICES:
        n = db.rows(service, "SELECT count(*) FROM events WHERE NOT published")[0][0]
        if n:
            found[service] = n
    return found


def unsent_mail(db: Databases) -> int:
    return db.rows("notifications", "SELECT count(*) FROM emails WHERE status IN ('pending', 'sending')")[0][0]


def unsettled(db: Databases, payment_ids: list[str]) -> int:
    settled = {r[0] for r in db.rows("billing", "SELECT payment_id FROM payments WHERE status = 'settled'")}
    return sum(1 for p in payment_ids if p not in settled)


def quiet(db: Databases, payments: list[str]) -> dict:
    """What still moves; empty when the stack has caught up."""
    left = {}
    for name, value in (("unpublished", unpublished(db)), ("unreached", unreached(db)),
                        ("unsent mail", unsent_mail(db)), ("unsettled payments", unsettled(db, payments))):
        if value:
            left[name] = value
    return left


def dlq_depths(bootstrap: str) -> dict[str, int]:
    """Every `*.dlq` topic on the broker and how many messages it ever took."""
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "chaos-check", "enable.auto.commit": False})
    try:
        topics = consumer.list_topics(timeout=10).topics
        depths = {}
        for name, meta in topics.items():
            if name.endswith(".dlq"):
                depths[name] = sum(consumer.get_watermark_offsets(TopicPartition(name, p), timeout=10)[1]
                                   for p in meta.partitions)
        return depths
    finally:
        consumer.close()


class Verdict:
    def __init__(self):
        self.lost: list[str] = []
        self.doubled: list[str] = []
        self.broken: list[str] = []
        self.checked = Counter()

    def expect_once(self, what: str, key: str, n: int, unsure: bool = False) -> None:
        self.checked[what] += 1
        if n > 1:
            self.doubled.append(f"{what} {key}: {n} times")
        elif n == 0 and not unsure:
            self.lost.append(f"{what} {key}: missing")


def verify(db: Databases, ledger, mail_dir: Path, bootstrap: str) -> Verdict:
    v = Verdict()
    # --- payments and invoices -------------------------------------------------------------
    settled_events = Counter(r[0] for r in db.rows("billing", "SELECT stream_id FROM events WHERE type = 'PaymentSettled'"))
    rows = {r[0]: r for r in db.rows("billing", "SELECT payment_id, status, allocations FROM payments")}
    for payment_id, what in ledger.payments.items():
        must = what["via"] == "portal" or payment_id in ledger.paid_at_provider
        v.expect_once(f"{what['via']} payment (PaymentSettled)", payment_id, settled_events[payment_id], unsure=not must)
        if must and (payment_id not in rows or rows[payment_id][1] != "settled"):
            v.lost.append(f"payment {payment_id}: read model says {rows.get(payment_id, [None, 'nothing'])[1]}")
    per_invoice = Counter()
    for _payment_id, status, allocations in rows.values():
        if status in ("settled", "refunded"):
            for allocation in allocations or []:
                per_invoice[allocation["invoice_id"]] += 1
    paid = {r[0]: r for r in db.rows("billing", "SELECT invoice_id, status, total_minor, amount_paid_minor FROM invoices")}
    for invoice_id in {w["invoice_id"] for w in ledger.payments.values()}:
        v.expect_once("invoice paid", invoice_id, per_invoice[invoice_id],
                      unsure=not any(w["invoice_id"] == invoice_id and (w["via"] == "portal" or p in ledger.paid_at_provider)
                                     for p, w in ledger.payments.items()))
    for invoice_id, status, total, amount_paid in paid.values():
        if amount_paid > total:
            v.doubled.append(f"invoice {invoice_id}: {amount_paid} paid of {total}")
        if per_invoice[invoice_id] and status != "paid":
            v.lost.append(f"invoice {invoice_id}: settled payment but status {status}")
    # --- tickets and messages --------------------------------------------------------------
    subjects = Counter(r[0] for r in db.rows("support", "SELECT subject FROM tickets"))
    raised = Counter(r[0]["subject"] for r in db.rows("support", "SELECT data FROM events WHERE type = 'TicketRaised'")
                     if isinstance(r[0], dict))
    for ticket_id, subject in ledger.tickets.items():
        v.expect_once("ticket", ticket_id, subjects[subject])
        v.expect_once("ticket (TicketRaised)", ticket_id, raised[subject])
    for subject in ledger.unsure_tickets:
        v.expect_once("ticket (answer lost)", subject, subjects[subject], unsure=True)
    bodies = Counter(r[0] for r in db.rows("support", "SELECT body FROM ticket_messages"))
    posted = Counter((r[0] or {}).get("body") for r in db.rows("support", "SELECT data FROM events WHERE type = 'TicketMessagePosted'"))
    for body, message_id in ledger.messages.items():
        v.expect_once("ticket message", message_id, bodies[body])
        v.expect_once("ticket message (TicketMessagePosted)", message_id, posted[body])
    for body in ledger.unsure_messages:
        v.expect_once("ticket message (answer lost)", body[-12:], bodies[body], unsure=True)
    # --- every event reached every consumer; the activity feed has each once ------------------
    for path, n in unreached(db).items():
        v.lost.append(f"{n} events {path} never handled")
    for service, n in unpublished(db).items():
        v.lost.append(f"{n} events of {service} never published")
    # --- mail: queued once per cause, sent, delivered once -------------------------------------
    mails = db.rows("notifications", "SELECT email_id, status, kind FROM emails")
    caught = Counter()
    for path in mail_dir.glob("*.eml"):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        caught[(msg.get("Message-ID") or "").strip("<> ").split("@")[0]] += 1
    for email_id, status, kind in mails:
        if status != "sent":
            v.broken.append(f"mail {email_id} ({kind}) is {status}")
        v.expect_once(f"mail delivered ({kind})", email_id, caught[email_id])
    # each settled payment's receipt queued once: to the contact who paid, or to the link's payer
    keys = Counter(r[0] for r in db.rows("notifications", "SELECT idempotency_key FROM emails "
                                                          "WHERE kind = 'payment_receipt'"))
    settled_ids = {r[0]: r[1] for r in db.rows("billing", "SELECT stream_id, event_id FROM events "
                                                          "WHERE type = 'PaymentSettled'")}
    for payment_id, what in ledger.payments.items():
        event_id = settled_ids.get(payment_id)
        if event_id is not None:
            key = f"link-receipt:{event_id}" if what["via"] == "link" else f"receipt:{event_id}"
            v.expect_once("receipt mail queued", payment_id, keys[key])
    # --- dead letters ------------------------------------------------------------------------
    for topic, n in dlq_depths(bootstrap).items():
        if n:
            v.broken.append(f"{topic} holds {n} dead letters")
    v.checked["dead-letter topics"] = len(dlq_depths(bootstrap))
    return v
