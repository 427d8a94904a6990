"""A contact's decisions on a document: accepting or declining a quote, signing an
agreement, and forwarding a document's link. A decision is recorded with its evidence (who,
when, from which address and browser, the SHA-256 of the exact version decided on) in the
same transaction as its event, so the business can prove later what was agreed.

Forwarding follows the org's `forward_documents` switch and is limited per contact
(FORWARDS_PER_DAY), so a portal cannot be used to mail strangers in bulk.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from services.chassis import orgs
from services.chassis.auth import Forbidden
from services.chassis.errors import DomainError, retry_on_conflict
from services.chassis.events import utc_now
from services.documents.domain.commands import DecideQuote, ForwardDocument, SignAgreement
from services.documents.handlers.documents import load_document
from services.documents.projections.documents import document_activity
from services.documents.tables import decision_evidence

FORWARDS_PER_DAY = 20


class TooManyForwards(DomainError):
    status = 429
    title = "Too many requests"


def _evidence(uow, doc, event, evidence, decision: str, signer_name=None, comment=None) -> None:
    d = event.data
    uow.conn.execute(decision_evidence.insert().values(
        document_id=doc.id, event_id=event.event_id, org_id=doc.org_id, customer_id=doc.customer_id,
        decision=decision, version=d["version"], document_sha256=d["document_sha256"],
        contact_id=evidence.contact_id, contact_name=evidence.contact_name, signer_name=signer_name,
        comment=comment, ip=(evidence.ip or "")[:64] or None, user_agent=(evidence.user_agent or "")[:500] or None,
        at=event.occurred_at))


def decide_quote(rt, cmd: DecideQuote) -> str:
    def run():
        with rt.store.unit_of_work() as uow:
            doc = load_document(uow, cmd.org_id, cmd.document_id, cmd.customer_id, cmd.evidence.contact_id)
            if cmd.accept:
                doc.accept(cmd.evidence.contact_id, cmd.version, cmd.comment)
            else:
                doc.decline(cmd.evidence.contact_id, cmd.version, cmd.comment)
            event = doc.pending[-1]
            _evidence(uow, doc, event, cmd.evidence, doc.decision,
                      comment=event.data.get("comment") or event.data.get("reason"))
            uow.add(doc)
            uow.commit()
            return doc.decision
    return retry_on_conflict(run)


def sign_agreement(rt, cmd: SignAgreement) -> str:
    def run():
        with rt.store.unit_of_work() as uow:
            doc = load_document(uow, cmd.org_id, cmd.document_id, cmd.customer_id, cmd.evidence.contact_id)
            doc.sign(cmd.evidence.contact_id, cmd.version, cmd.signer_name, cmd.consent, utc_now())
            event = doc.pending[-1]
            _evidence(uow, doc, event, cmd.evidence, "signed", signer_name=event.data["signer_name"])
            uow.add(doc)
            uow.commit()
            return event.data["document_sha256"]
    return retry_on_conflict(run)


def forward_document(rt, cmd: ForwardDocument) -> None:
    with rt.engine.connect() as conn:
        if not orgs.settings(conn, cmd.org_id).get("forward_documents"):
            raise Forbidden("Forwarding documents is not enabled for this portal.")
        since = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
        sent = conn.execute(select(func.count()).select_from(document_activity).where(
            document_activity.c.org_id == cmd.org_id, document_activity.c.what == "forwarded",
            document_activity.c.actor_id == cmd.contact_id, document_activity.c.at >= since)).scalar()
    if sent >= FORWARDS_PER_DAY:
        raise TooManyForwards(f"You forwarded {FORWARDS_PER_DAY} documents today; try again tomorrow.",
                              field="email")

    def run():
        with rt.store.unit_of_work() as uow:
            doc = load_document(uow, cmd.org_id, cmd.document_id, cmd.customer_id, cmd.contact_id)
            doc.forward(cmd.contact_id, cmd.recipient_email, cmd.contact_name, cmd.message)
            uow.add(doc)
            uow.commit()
    retry_on_conflict(run)
