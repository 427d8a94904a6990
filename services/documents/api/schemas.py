"""documents's request and answer bodies (services/documents/API.md). Files come as
multipart/form-data, field `file`, beside the form fields below; the bounds here are the
body's own, the rules (kinds, versions, decisions) the domain's, which names the field."""
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from services.documents.domain.document import KINDS, SUBJECTS

TEXT = 2000
ID = validate.Length(min=1, max=200)


MULTIPART = "multipart/form-data"


class WithFile(Schema):
    """A multipart body's `file` part, so that the OpenAPI document shows it: api/files.py
    reads the file from request.files; a text part that calls itself `file` is dropped here."""
    file = Upload(metadata={"description": "The file (required): a multipart part named `file`."})

    @post_load
    def _file_is_read_from_the_files(self, data, **_kwargs):
        data.pop("file", None)
        return data


class ShareForm(WithFile):
    customer_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    contact_ids = fields.String(load_default=None, metadata={
        "description": "Comma-separated contact ids it is shared with; none: every contact of the customer."})
    needs_approval = fields.Boolean(load_default=None, metadata={
        "description": "Default: true for quotes and agreements."})
    number = fields.String(load_default=None, validate=validate.Length(max=40))
    currency = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Z]{3}$"))
    amount_minor = fields.Integer(load_default=None, validate=validate.Range(min=0),
                                  metadata={"description": "A quote's amount in minor units."})
    valid_until = fields.Date(load_default=None)
    external_ref = fields.String(load_default=None, validate=validate.Length(max=200),
                                 metadata={"description": "The ERP's id: sharing it again answers the same document."})


class VersionForm(WithFile):
    note = fields.String(load_default=None, validate=validate.Length(max=TEXT))
    amount_minor = fields.Integer(load_default=None, validate=validate.Range(min=0))
    valid_until = fields.Date(load_default=None)


class UploadForm(WithFile):
    subject_type = fields.String(load_default=None, validate=validate.OneOf(SUBJECTS))
    subject_id = fields.String(load_default=None, validate=ID)


class StaffUploadForm(UploadForm):
    customer_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class WithdrawIn(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=TEXT))


class EvidenceIn(Schema):
    ip = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    user_agent = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class DecisionIn(EvidenceIn):
    decision = fields.String(required=True, validate=validate.OneOf(("accept", "decline")))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1),
                             metadata={"description": "The version the contact read: a replaced one is refused."})
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=TEXT))


class SignIn(EvidenceIn):
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    signer_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    consent = fields.Boolean(required=True)


class ForwardIn(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    message = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class ListArgs(Schema):
    kind = fields.String(load_default=None, validate=validate.OneOf((*KINDS, "upload")))
    status = fields.String(load_default=None, validate=validate.Length(max=20))
    subject_type = fields.String(load_default=None, validate=validate.OneOf(SUBJECTS))
    subject_id = fields.String(load_default=None, validate=ID)
    cursor = fields.String(load_default=None, validate=validate.Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))

    @validates_schema
    def subject_whole(self, data, **kwargs):
        if (data.get("subject_type") is None) != (data.get("subject_id") is None):
            raise ValidationError("Give both subject_type and subject_id.", "subject_id")


class StaffListArgs(ListArgs):
    customer_id = fields.String(load_default=None, validate=validate.Length(max=64))


class FileArgs(Schema):
    version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    inline = fields.Boolean(load_default=False, metadata={
        "description": "Shown in the browser (PDFs and images only), not saved."})


class VersionOut(Schema):
    version = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    added_by_name = fields.String(allow_none=True)
    added_at = fields.String()


class DocumentOut(Schema):
    document_id = fields.String()
    customer_id = fields.String()
    origin = fields.String()
    kind = fields.String()
    module = fields.String()
    title = fields.String()
    status = fields.String()
    needs_approval = fields.Boolean()
    version = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String(allow_none=True)
    previewable = fields.Boolean()
    number = fields.String(allow_none=True)
    currency = fields.String(allow_none=True)
    amount_minor = fields.Integer(allow_none=True)
    valid_until = fields.String(allow_none=True)
    external_ref = fields.String(allow_none=True)
    subject_type = fields.String(allow_none=True)
    subject_id = fields.String(allow_none=True)
    uploaded_by = fields.String(allow_none=True)
    author_name = fields.String(allow_none=True)
    decided_at = fields.String(allow_none=True)
    decision_note = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()
    versions = fields.List(fields.Nested(VersionOut))
    contact_ids = fields.List(fields.String(), allow_none=True)
    decision = fields.Dict(allow_none=True)
    evidence = fields.List(fields.Dict())
    activity = fields.List(fields.Dict())
    views = fields.List(fields.Dict())


class DocumentPageOut(Schema):
    items = fields.List(fields.Nested(DocumentOut))
    next_cursor = fields.String(allow_none=True)


class DecisionOut(Schema):
    document_id = fields.String()
    status = fields.String()
    version = fields.Integer()
    document_sha256 = fields.String()
