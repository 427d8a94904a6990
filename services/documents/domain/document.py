"""The Document aggregate: a file the business shares with a customer (a contract, a quote,
an agreement, anything else), or one a customer's side uploads, with its versions and the
customer's decision on it.

Pure rules, no I/O. A document's file lives in storage under `storage_key(id, version)`;
events carry ids and fingerprints, never a key or a URL.

- Shared (DocumentShared, version 1), optionally with chosen contacts only, then replaced
  by new versions (DocumentVersionAdded) or withdrawn (DocumentWithdrawn): a withdrawn
  document takes nothing more and is gone from the portal.
- A quote is accepted (QuoteAccepted) or declined (QuoteDeclined) once, and only in the
  version the contact saw, which must be the latest: a superseded version cannot be
  accepted. A new version of a declined quote opens it again; an accepted one takes none.
- An agreement is signed (AgreementSigned) once, by typed name and consent, pinned to the
  SHA-256 of the exact version's bytes.
- An upload (DocumentUploaded) is a customer's (or staff's, on a ticket) file: no
  decisions, no versions; staff may withdraw it.
"""
from __future__ import annotations

import uuid

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError, PortalError

KINDS = ("contract", "quote", "agreement", "other")
NEEDS_DECISION = ("quote", "agreement")
SUBJECTS = ("ticket", "service_request", "invoice")
MAX_TITLE = 200
MAX_COMMENT = 2000
MAX_NAME = 200


class DocumentClosed(PortalError):
    """The document is withdrawn, or its decision is made: it takes no such change."""
    status = 409
    title = "Conflict"


def storage_key(document_id: str, version: int) -> str:
    return f"{document_id}.v{version}"


def new_id() -> str:
    return str(uuid.uuid4())


def module_of(kind: str) -> str:
    """The portal module a kind of document belongs to: quotes have their own page."""
    return "quotes" if kind == "quote" else "documents"


def _text(value, field: str, limit: int, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise DomainError(f"Give the {field.replace('_', ' ')}.", field=field)
        return None
    if not isinstance(value, str) or len(value.strip()) > limit:
        raise DomainError(f"The {field.replace('_', ' ')} is at most {limit} characters.", field=field)
    return " ".join(value.split()) if limit <= MAX_TITLE else value.strip()


def _file(inspected) -> dict:
    return {"filename": inspected.filename, "content_type": inspected.content_type,
            "size_bytes": inspected.size_bytes, "sha256": inspected.sha256}


class Document(Aggregate):
    aggregate_type = "Document"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.customer_id = ""
        self.kind = ""
        self.origin = ""                    # shared | uploaded
        self.title = ""
        self.contact_ids: list[str] | None = None
        self.version = 0
        self.versions: dict[int, dict] = {}
        self.withdrawn = False
        self.decision: str | None = None    # accepted | declined | signed
        self.terms: dict = {}

    @property
    def current(self) -> dict:
        return self.versions[self.version_number]

    @property
    def version_number(self) -> int:
        return max(self.versions) if self.versions else 0

    # --- commands -------------------------------------------------------------------------

    @classmethod
    def share(cls, org_id: str, customer_id: str, kind: str, title, inspected, *, contact_ids=None,
              needs_approval: bool | None = None, number=None, currency=None, amount_minor=None,
              valid_until=None, external_ref=None, shared_by_name=None, document_id=None) -> "Document":
        if kind not in KINDS:
            raise DomainError(f"The kind is one of {', '.join(KINDS)}.", field="kind")
        if contact_ids is not None and not contact_ids:
            raise DomainError("Choose at least one contact, or share with the whole customer.", field="contact_ids")
        if amount_minor is not None and currency is None:
            raise DomainError("Give the currency of the amount.", field="currency")
        doc = cls(document_id or new_id(), org_id)
        doc.record("DocumentShared", {
            "document_id": doc.id, "customer_id": customer_id, "kind": kind,
            "title": _text(title, "title", MAX_TITLE, required=True), **_file(inspected),
            "needs_approval": kind in NEEDS_DECISION if needs_approval is None else bool(needs_approval),
            "external_ref": external_ref, "contact_ids": sorted(set(contact_ids)) if contact_ids else None,
            "version": 1, "number": _text(number, "number", 40), "currency": currency,
            "amount_minor": amount_minor, "valid_until": valid_until,
            **({"shared_by_name": shared_by_name} if shared_by_name else {})})
        return doc

    @classmethod
    def upload(cls, org_id: str, customer_id: str, inspected, *, uploader_kind: str, uploader_id: str,
               subject_type=None, subject_id=None, document_id=None) -> "Document":
        if subject_type is not None and subject_type not in SUBJECTS:
            raise DomainError(f"A file is attached to one of {', '.join(SUBJECTS)}.", field="subject_type")
        if (subject_type is None) != (subject_id is None):
            raise DomainError("Give both what the file is attached to and its id.", field="subject_id")
        doc = cls(document_id or new_id(), org_id)
        doc.record("DocumentUploaded", {
            "document_id": doc.id, "customer_id": customer_id, "contact_id": uploader_id, **_file(inspected),
            "subject_type": subject_type, "subject_id": subject_id, "uploaded_by": uploader_kind})
        return doc

    def add_version(self, inspected, note=None, amount_minor=None, valid_until=None, added_by_name=None) -> int:
        self._open_for_change()
        if self.decision in ("accepted", "signed"):
            raise DomainError(f"This {self.kind} is {self.decision}: share a new document instead.", field="file")
        version = self.version_number + 1
        self.record("DocumentVersionAdded", {
            "document_id": self.id, "customer_id": self.customer_id, "version": version, **_file(inspected),
            "note": _text(note, "note", MAX_COMMENT), "amount_minor": amount_minor, "valid_until": valid_until,
            **({"added_by_name": added_by_name} if added_by_name else {})})
        return version

    def withdraw(self, reason=None) -> None:
        if self.withdrawn:
            return
        self.record("DocumentWithdrawn", {"document_id": self.id, "customer_id": self.customer_id,
                                          "reason": _text(reason, "reason", MAX_COMMENT)})

    def downloaded(self, contact_id: str) -> None:
        self._visible()
        self.record("DocumentDownloaded", {"document_id": self.id, "customer_id": self.customer_id,
                                           "contact_id": contact_id})

    def accept(self, contact_id: str, version: int, comment=None) -> None:
        self._decide("quote", version)
        self.record("QuoteAccepted", {
            "document_id": self.id, "customer_id": self.customer_id, "contact_id": contact_id,
            "comment": _text(comment, "comment", MAX_COMMENT), "external_ref": self.terms.get("external_ref"),
            **self._pinned(), "currency": self.terms.get("currency"), "amount_minor": self.terms.get("amount_minor")})

    def decline(self, contact_id: str, version: int, reason=None) -> None:
        self._decide("quote", version)
        self.record("QuoteDeclined", {
            "document_id": self.id, "customer_id": self.customer_id, "contact_id": contact_id,
            "reason": _text(reason, "reason", MAX_COMMENT), "external_ref": self.terms.get("external_ref"),
            **self._pinned()})

    def sign(self, contact_id: str, version: int, signer_name, consent: bool, signed_at: str) -> None:
        self._decide("agreement", version)
        name = _text(signer_name, "signer_name", MAX_NAME, required=True)
        if consent is not True:
            raise DomainError("Tick the box to agree to the terms of this agreement.", field="consent")
        pinned = self._pinned()
        self.record("AgreementSigned", {
            "document_id": self.id, "customer_id": self.customer_id, "contact_id": contact_id,
            "signer_name": name, "document_sha256": pinned["document_sha256"],
            "external_ref": self.terms.get("external_ref"), "version": pinned["version"],
            "title": self.title, "signed_at": signed_at})

    def forward(self, contact_id: str, recipient_email: str, contact_name=None, message=None) -> None:
        self._visible()
        self.record("DocumentForwarded", {
            "document_id": self.id, "customer_id": self.customer_id, "contact_id": contact_id,
            "recipient_email": recipient_email, "title": self.title or self.current["filename"],
            "contact_name": contact_name, "message": _text(message, "message", 1000)})

    # --- rules ----------------------------------------------------------------------------

    def visible_to(self, contact_id: str) -> bool:
        return not self.withdrawn and (self.contact_ids is None or contact_id in self.contact_ids
                                       or self.origin == "uploaded")

    def _visible(self) -> None:
        if self.withdrawn:
            raise DocumentClosed("This document was withdrawn.")

    def _open_for_change(self) -> None:
        if self.withdrawn:
            raise DocumentClosed("This document was withdrawn.")
        if self.origin != "shared":
            raise DomainError("An uploaded file takes no new versions.", field="file")

    def _decide(self, kind: str, version: int) -> None:
        self._visible()
        if self.kind != kind:
            raise DomainError(f"Only a {kind} can be {'signed' if kind == 'agreement' else 'accepted or declined'}.",
                              field="kind")
        if self.decision in ("accepted", "signed") or (self.decision == "declined" and kind == "quote"):
            raise DocumentClosed(f"This {kind} was {self.decision} already.")
        if version != self.version_number:
            raise DocumentClosed(f"Version {version} was replaced by version {self.version_number}: "
                                 f"read the new version first.")

    def _pinned(self) -> dict:
        return {"version": self.version_number, "document_sha256": self.current["sha256"], "title": self.title,
                "number": self.terms.get("number")}

    # --- state ----------------------------------------------------------------------------

    def when_DocumentShared(self, d: dict) -> None:
        self.customer_id, self.kind, self.origin, self.title = d["customer_id"], d["kind"], "shared", d["title"]
        self.contact_ids = d.get("contact_ids")
        self.versions[1] = {k: d[k] for k in ("filename", "content_type", "size_bytes")} | {"sha256": d.get("sha256")}
        self.terms = {k: d.get(k) for k in ("number", "currency", "amount_minor", "valid_until", "external_ref")}

    def when_DocumentUploaded(self, d: dict) -> None:
        self.customer_id, self.kind, self.origin = d["customer_id"], "upload", "uploaded"
        self.title = d["filename"]
        self.versions[1] = {k: d[k] for k in ("filename", "content_type", "size_bytes", "sha256")}

    def when_DocumentVersionAdded(self, d: dict) -> None:
        self.versions[d["version"]] = {k: d[k] for k in ("filename", "content_type", "size_bytes", "sha256")}
        for key in ("amount_minor", "valid_until"):
            if d.get(key) is not None:
                self.terms[key] = d[key]
        if self.decision == "declined":
            self.decision = None            # a revised quote is open again

    def when_DocumentWithdrawn(self, d: dict) -> None:
        self.withdrawn = True

    def when_QuoteAccepted(self, d: dict) -> None:
        self.decision = "accepted"

    def when_QuoteDeclined(self, d: dict) -> None:
        self.decision = "declined"

    def when_AgreementSigned(self, d: dict) -> None:
        self.decision = "signed"
