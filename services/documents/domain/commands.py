"""What documents can be asked to do, as the API builds it from a request: one frozen
dataclass per command, imperative names, one handler each (bootstrap.COMMAND_HANDLERS).
A file travels as its name and bytes; the handler checks it (domain/files.py)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShareDocument:
    org_id: str
    customer_id: str
    kind: str
    title: str
    filename: str
    data: bytes
    contact_ids: tuple | None = None        # None: every contact of the customer
    needs_approval: bool | None = None      # None: quotes and agreements do
    number: str | None = None
    currency: str | None = None
    amount_minor: int | None = None
    valid_until: str | None = None
    external_ref: str | None = None         # the ERP's id: sharing it again answers the same document
    by_name: str | None = None


@dataclass(frozen=True)
class AddVersion:
    org_id: str
    document_id: str
    filename: str
    data: bytes
    note: str | None = None
    amount_minor: int | None = None
    valid_until: str | None = None
    by_name: str | None = None


@dataclass(frozen=True)
class WithdrawDocument:
    org_id: str
    document_id: str
    reason: str | None = None


@dataclass(frozen=True)
class UploadFile:
    """A file from a customer's side (a contact) or staff, on its own or attached to a
    ticket, service request or invoice."""
    org_id: str
    customer_id: str
    filename: str
    data: bytes
    uploader_kind: str                      # contact | staff
    uploader_id: str
    subject_type: str | None = None
    subject_id: str | None = None


@dataclass(frozen=True)
class Evidence:
    """Who decided, from where: kept with the decision (tables.decision_evidence)."""
    contact_id: str
    contact_name: str | None = None
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class DecideQuote:
    org_id: str
    customer_id: str
    document_id: str
    accept: bool
    version: int
    evidence: Evidence
    comment: str | None = None


@dataclass(frozen=True)
class SignAgreement:
    org_id: str
    customer_id: str
    document_id: str
    version: int
    signer_name: str
    consent: bool
    evidence: Evidence


@dataclass(frozen=True)
class ForwardDocument:
    org_id: str
    customer_id: str
    document_id: str
    contact_id: str
    recipient_email: str
    contact_name: str | None = None
    message: str | None = None
