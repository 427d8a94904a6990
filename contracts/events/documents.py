"""Events of the documents service: shared and uploaded files, quotes, agreements.

Storage keys and pre-signed URLs are not published: a URL to a private object is a secret.
"""
from marshmallow import fields, validate

from contracts.events.base import EventSchema
from contracts.fields import Count, Currency, Id, MinorUnits, UtcDateTime, choice

KINDS = ("contract", "quote", "agreement", "other")
SUBJECTS = ("ticket", "service_request", "invoice")
SHA256 = validate.Regexp(r"^[0-9a-f]{64}$")


class DocumentShared(EventSchema):
    """The business shared a document with a customer; `needs_approval` asks for accept/decline/sign."""

    event_type = "DocumentShared"
    aggregate_type = "Document"

    document_id = Id(required=True)
    customer_id = Id(required=True)
    kind = choice(*KINDS, required=True)
    title = fields.String(required=True, validate=validate.Length(min=1))
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size_bytes = Count(required=True)
    needs_approval = fields.Boolean(required=True)
    external_ref = fields.String(required=True, allow_none=True)
    # added later (optional): who may see it, the file's fingerprint, a quote's terms
    contact_ids = fields.List(Id(), allow_none=True, metadata={
        "description": "The contacts it is shared with; null: every contact of the customer."})
    version = Count(minimum=1)
    sha256 = fields.String(validate=SHA256)
    number = fields.String(allow_none=True)
    currency = Currency(allow_none=True)
    amount_minor = MinorUnits(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    shared_by_name = fields.String(validate=validate.Length(max=200),
                                   metadata={"description": "The staff member's display name, as customers see it."})


class DocumentVersionAdded(EventSchema):
    """The business replaced a shared document's file with a new version; an earlier
    version can no longer be accepted or signed."""

    event_type = "DocumentVersionAdded"
    aggregate_type = "Document"

    document_id = Id(required=True)
    customer_id = Id(required=True)
    version = Count(minimum=2, required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size_bytes = Count(required=True)
    sha256 = fields.String(required=True, validate=SHA256)
    note = fields.String(required=True, allow_none=True)
    amount_minor = MinorUnits(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    added_by_name = fields.String(validate=validate.Length(max=200))


class DocumentWithdrawn(EventSchema):
    """The business withdrew a document: the customer no longer sees or downloads it."""

    event_type = "DocumentWithdrawn"
    aggregate_type = "Document"

    document_id = Id(required=True)
    customer_id = Id(required=True)
    reason = fields.String(required=True, allow_none=True)


class DocumentForwarded(EventSchema):
    """A contact forwarded a document's link to an address (a colleague). The mail carries a
    link to the document's page, never the file: the recipient signs in as a contact of the
    customer to open it; forwarding grants nothing."""

    event_type = "DocumentForwarded"
    aggregate_type = "Document"

    document_id = Id(required=True)
    customer_id = Id(required=True)
    contact_id = Id(required=True)
    recipient_email = fields.Email(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1))
    contact_name = fields.String(required=True, allow_none=True, validate=validate.Length(max=200))
    message = fields.String(required=True, allow_none=True, validate=validate.Length(max=1000),
                            metadata={"description": "Plain text from the contact, for the mail."})


class DocumentUploaded(EventSchema):
    """A contact uploaded a file; `sha256` lets a downstream system check what it fetches."""

    event_type = "DocumentUploaded"
    aggregate_type = "Document"

    document_id = Id(required=True)
    customer_id = Id(required=True)
    contact_id = Id(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size_bytes = Count(required=True)
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    # added later (optional): what the file is attached to, and whose side uploaded it
    subject_type = choice(*SUBJECTS, allow_none=True)
    subject_id = Id(allow_none=True)
    uploaded_by = choice("contact", "staff")


class DocumentDownloaded(EventSchema):
    """A contact downloaded a document."""

    event_type = "DocumentDownloaded"
    aggregate_type = "Document"

    document_id = Id(required=True)
    customer_id = Id(required=True)
    contact_id = Id(required=True)


class QuoteAccepted(EventSchema):
    """A contact accepted a quote: the ERP can turn it into an order."""

    event_type = "QuoteAccepted"
    aggregate_type = "Document"

    document_id = Id(required=True)
    customer_id = Id(required=True)
    contact_id = Id(required=True)
    comment = fields.String(required=True, allow_none=True)
    external_ref = fields.String(required=True, allow_none=True)
    # added later (optional): the version accepted and its terms, enough to make the order
    version = Count(minimum=1)
    document_sha256 = fields.String(validate=SHA256)
    title = fields.String()
    number = fields.String(allow_none=True)
    currency = Currency(allow_none=True)
    amount_minor = MinorUnits(allow_none=True)


class QuoteDeclined(EventSchema):
    """A contact declined a quote, optionally saying why."""

    event_type = "QuoteDeclined"
    aggregate_type = "Document"

    document_id = Id(required=True)
    customer_id = Id(required=True)
    contact_id = Id(required=True)
    reason = fields.String(required=True, allow_none=True)
    external_ref = fields.String(required=True, allow_none=True)
    # added later (optional)
    version = Count(minimum=1)
    document_sha256 = fields.String(validate=SHA256)
    title = fields.String()
    number = fields.String(allow_none=True)


class AgreementSigned(EventSchema):
    """A contact signed an agreement; `document_sha256` pins the exact version signed."""

    event_type = "AgreementSigned"
    aggregate_type = "Document"

    document_id = Id(required=True)
    customer_id = Id(required=True)
    contact_id = Id(required=True)
    signer_name = fields.String(required=True, validate=validate.Length(min=1))
    document_sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    external_ref = fields.String(required=True, allow_none=True)
    # added later (optional)
    version = Count(minimum=1)
    title = fields.String()
    signed_at = UtcDateTime()
