"""Events of the documents service: shared and uploaded files, quotes, agreements.

Storage keys and pre-signed URLs are not published: a URL to a private object is a secret.
"""
from marshmallow import fields, validate

from contracts.events.base import EventSchema
from contracts.fields import Count, Id, choice

KINDS = ("contract", "quote", "agreement", "other")


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


class QuoteDeclined(EventSchema):
    """A contact declined a quote, optionally saying why."""

    event_type = "QuoteDeclined"
    aggregate_type = "Document"

    document_id = Id(required=True)
    customer_id = Id(required=True)
    contact_id = Id(required=True)
    reason = fields.String(required=True, allow_none=True)
    external_ref = fields.String(required=True, allow_none=True)


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
