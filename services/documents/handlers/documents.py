"""Sharing, new versions, withdrawing, uploads and downloads. Each handler loads the
document, calls it, and appends its events in one transaction; a file's bytes are written
first (handlers/files.py). Sharing is idempotent on the ERP's external_ref: sharing it again
answers the document it made (created False), also when two pushes race.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.chassis.errors import DomainError, NotFound, retry_on_conflict
from services.documents.domain.commands import AddVersion, ShareDocument, UploadFile, WithdrawDocument
from services.documents.domain.document import Document, new_id
from services.documents.domain.files import inspect
from services.documents.handlers import files
from services.documents.projections.documents import documents

MAX_REF = 200


def by_external_ref(conn, org_id: str, external_ref: str | None) -> str | None:
    if external_ref is None:
        return None
    return conn.execute(select(documents.c.document_id).where(
        documents.c.org_id == org_id, documents.c.external_ref == external_ref)).scalar()


def load_document(uow, org_id: str, document_id: str, customer_id: str | None = None,
                  contact_id: str | None = None) -> Document:
    """The document of this org (and customer, and visible to this contact); anything else,
    a withdrawn document included for a contact, is a 404."""
    doc = uow.load(Document, document_id, org_id)
    if not doc.kind or (customer_id is not None and doc.customer_id != customer_id):
        raise NotFound(f"No document {document_id}.")
    if contact_id is not None and not doc.visible_to(contact_id):
        raise NotFound(f"No document {document_id}.")
    return doc


def share_document(rt, cmd: ShareDocument) -> tuple[str, bool]:
    """(document id, created)."""
    ref = cmd.external_ref.strip() if cmd.external_ref and cmd.external_ref.strip() else None
    if ref is not None and len(ref) > MAX_REF:
        raise DomainError(f"The external_ref is 1 to {MAX_REF} characters.", field="external_ref")
    with rt.engine.connect() as conn:
        existing = by_external_ref(conn, cmd.org_id, ref)
    if existing:
        return existing, False
    inspected = inspect(cmd.filename, cmd.data, files.staff_limit(rt))
    doc = Document.share(cmd.org_id, cmd.customer_id, cmd.kind, cmd.title, inspected,
                         contact_ids=cmd.contact_ids, needs_approval=cmd.needs_approval, number=cmd.number,
                         currency=cmd.currency, amount_minor=cmd.amount_minor, valid_until=cmd.valid_until,
                         external_ref=ref, shared_by_name=cmd.by_name, document_id=new_id())
    try:
        with files.kept(rt, cmd.org_id, doc.id, 1, inspected, cmd.data), rt.store.unit_of_work() as uow:
            uow.add(doc)
            uow.commit()
    except IntegrityError:
        with rt.engine.connect() as conn:              # another push of this external_ref won
            existing = by_external_ref(conn, cmd.org_id, ref)
        if existing:
            return existing, False
        raise
    return doc.id, True


def add_version(rt, cmd: AddVersion) -> int:
    with rt.engine.connect() as conn:
        if conn.execute(select(documents.c.document_id).where(
                documents.c.org_id == cmd.org_id, documents.c.document_id == cmd.document_id)).first() is None:
            raise NotFound(f"No document {cmd.document_id}.")
    inspected = inspect(cmd.filename, cmd.data, files.staff_limit(rt))

    def run():
        with rt.store.unit_of_work() as uow:
            doc = load_document(uow, cmd.org_id, cmd.document_id)
            version = doc.add_version(inspected, cmd.note, cmd.amount_minor, cmd.valid_until, cmd.by_name)
            with files.kept(rt, cmd.org_id, doc.id, version, inspected, cmd.data):
                uow.add(doc)
                uow.commit()
            return version
    return retry_on_conflict(run)


def withdraw_document(rt, cmd: WithdrawDocument) -> None:
    def run():
        with rt.store.unit_of_work() as uow:
            doc = load_document(uow, cmd.org_id, cmd.document_id)
            doc.withdraw(cmd.reason)
            uow.add(doc)
            uow.commit()
    retry_on_conflict(run)


def upload_file(rt, cmd: UploadFile) -> str:
    with rt.engine.connect() as conn:
        limit = files.upload_limit(conn, cmd.org_id) if cmd.uploader_kind == "contact" else files.staff_limit(rt)
    inspected = inspect(cmd.filename, cmd.data, limit)
    doc = Document.upload(cmd.org_id, cmd.customer_id, inspected, uploader_kind=cmd.uploader_kind,
                          uploader_id=cmd.uploader_id, subject_type=cmd.subject_type, subject_id=cmd.subject_id)
    with files.kept(rt, cmd.org_id, doc.id, 1, inspected, cmd.data), rt.store.unit_of_work() as uow:
        uow.add(doc)
        uow.commit()
    return doc.id


def record_download(rt, org_id: str, customer_id: str, document_id: str, contact_id: str) -> None:
    """A contact downloaded the document (DocumentDownloaded): staff see who, the ERP hears."""
    def run():
        with rt.store.unit_of_work() as uow:
            doc = load_document(uow, org_id, document_id, customer_id, contact_id)
            doc.downloaded(contact_id)
            uow.add(doc)
            uow.commit()
    retry_on_conflict(run)
