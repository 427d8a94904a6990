"""Reads for the documents pages, straight from the read models. Every read is scoped to the
caller (auth.scoped): another org's document, or for a contact another customer's, is a
404; so is, for a contact, a withdrawn document or one shared with other contacts only.

A contact's lists hold what is shared with them and the files their side uploaded on their
own; a file attached to a ticket, service request or invoice is listed under that subject
(`subject_type`, `subject_id`), whose own service decides who may open the subject.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from services.chassis import auth, cursors
from services.chassis.errors import NotFound
from services.documents.domain.document import module_of
from services.documents.domain.files import PREVIEWABLE
from services.documents.projections.documents import (document_activity, document_audience, document_versions,
                                                      documents)
from services.documents.tables import decision_evidence, document_views, people

SUMMARY = [documents.c[name] for name in (
    "document_id", "customer_id", "origin", "kind", "title", "status", "needs_approval", "version", "filename",
    "content_type", "size_bytes", "number", "currency", "amount_minor", "valid_until", "external_ref",
    "subject_type", "subject_id", "uploaded_by", "author_name", "decided_at", "created_at", "updated_at")]


@dataclass(frozen=True)
class ListQuery:
    customer_id: str | None = None
    kind: str | None = None                 # contract | quote | agreement | other | upload
    status: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    cursor: str | None = None
    limit: int = 50


def _shape(row) -> dict:
    out = dict(row)
    out["previewable"] = out["content_type"] in PREVIEWABLE
    return out


def for_contact(query, caller: auth.Principal):
    """What a contact may see: not withdrawn; shared with the whole customer or with them;
    of a module they have (quotes are their own module). Their side's uploads are theirs
    whatever the modules (a ticket's attachments need only the ticket)."""
    c = documents.c
    kinds = ["upload"] + [k for k in ("contract", "agreement", "other") if "documents" in caller.modules]
    kinds += ["quote"] if "quotes" in caller.modules else []
    chosen = select(document_audience.c.document_id).where(document_audience.c.contact_id == caller.id)
    return query.where(c.status != "withdrawn", c.kind.in_(kinds),
                       or_(c.contact_ids.is_(None), c.document_id.in_(chosen)))


def list_documents(conn, org_id: str, q: ListQuery, caller: auth.Principal) -> dict:
    c = documents.c
    query = auth.scoped(select(*SUMMARY).where(c.org_id == org_id), documents, caller)
    if q.customer_id is not None:
        query = query.where(c.customer_id == q.customer_id)
    if caller.kind == "contact":
        query = for_contact(query, caller)
        if q.subject_type is None:          # their side's own files, not others' attachments
            query = query.where(or_(c.origin == "shared", c.subject_type.is_(None)))
    if q.kind:
        query = query.where(c.kind == q.kind)
    if q.status:
        query = query.where(c.status == q.status)
    if q.subject_type:
        query = query.where(c.subject_type == q.subject_type, c.subject_id == q.subject_id)
    return cursors.page(conn, query, c.created_at, c.document_id, "documents", q.cursor, q.limit, _shape)


def one(conn, org_id: str, document_id: str, caller: auth.Principal, customer_id: str | None = None):
    c = documents.c
    query = auth.scoped(select(documents).where(c.org_id == org_id, c.document_id == document_id),
                        documents, caller)
    if customer_id is not None:
        query = query.where(c.customer_id == customer_id)
    if caller.kind == "contact":
        query = for_contact(query, caller)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound("No such document.")
    return row._mapping


def _names(conn, org_id: str) -> dict:
    return {r.person_id: r.name for r in conn.execute(select(people).where(people.c.org_id == org_id))}


def detail(conn, org_id: str, document_id: str, caller: auth.Principal, customer_id: str | None = None) -> dict:
    """The document, its versions; for staff also who did what (activity, views, evidence)."""
    row = one(conn, org_id, document_id, caller, customer_id)
    out = _shape({k: row[k] for k in row.keys() if k != "contact_ids"})
    out["module"] = module_of(row["kind"]) if row["kind"] != "upload" else "documents"
    out["versions"] = [dict(r._mapping) for r in conn.execute(
        select(document_versions).where(document_versions.c.document_id == document_id)
        .order_by(document_versions.c.version.desc()))]
    evidence = evidence_of(conn, document_id)
    if caller.kind == "contact":
        out["decision"] = {k: evidence[-1][k] for k in ("decision", "version", "document_sha256", "signer_name",
                                                         "contact_name", "at")} if evidence else None
        return out
    names = _names(conn, org_id)
    out["contact_ids"] = row["contact_ids"]
    out["evidence"] = evidence
    out["activity"] = [{**dict(r._mapping), "who": names.get(r.actor_id)} for r in conn.execute(
        select(document_activity).where(document_activity.c.document_id == document_id)
        .order_by(document_activity.c.at, document_activity.c.event_id))]
    out["views"] = [{**dict(r._mapping), "who": names.get(r.contact_id)} for r in conn.execute(
        select(document_views).where(document_views.c.document_id == document_id)
        .order_by(document_views.c.first_at))]
    return out


def evidence_of(conn, document_id: str) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(
        select(decision_evidence).where(decision_evidence.c.document_id == document_id)
        .order_by(decision_evidence.c.at))]


def version_of(conn, org_id: str, document_id: str, version: int | None, caller: auth.Principal,
               customer_id: str | None = None) -> tuple[dict, dict]:
    """(the document, the version's file) for a download; the latest version by default."""
    row = one(conn, org_id, document_id, caller, customer_id)
    wanted = version or row["version"]
    found = conn.execute(select(document_versions).where(
        document_versions.c.document_id == document_id, document_versions.c.version == wanted)).first()
    if found is None:
        raise NotFound(f"This document has no version {wanted}.")
    return dict(row), dict(found._mapping)
