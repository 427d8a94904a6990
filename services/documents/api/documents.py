"""Documents over HTTP for staff, API keys (scope "documents") and the operator, under
/orgs/<org>/documents: share a file with a customer or chosen contacts (multipart, field
`file`; idempotent on `external_ref`), add versions, withdraw, list, see who viewed,
downloaded and decided with the evidence, download any version (customers' uploads too),
and upload a file on a customer's behalf (a staff attachment on a ticket)."""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.documents.api.files import certificate, send, uploaded_file
from services.documents.api.schemas import (DocumentOut, DocumentPageOut, FileArgs, MULTIPART, ShareForm,
                                            StaffListArgs, StaffUploadForm, VersionForm, WithdrawIn)
from services.documents.domain.commands import AddVersion, ShareDocument, UploadFile, WithdrawDocument
from services.documents.handlers import documents as handlers
from services.documents.handlers.views import remember_caller
from services.documents.queries import documents as queries

blp = Blueprint("documents", __name__, description="Shared documents: sharing, versions, withdrawing, activity")

STAFF_KINDS = ("staff", "api_key", "system")
MANAGE = dict(module="documents")


def staff_detail(org_id: str, document_id: str) -> dict:
    with read_only(runtime().engine) as conn:
        return queries.detail(conn, org_id, document_id, auth.principal())


def _iso(value):
    return value.isoformat() if value is not None else None


@blp.route("/orgs/<org_id>/documents")
class Documents(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(ShareForm, location="form", content_type=MULTIPART)
    @blp.response(201, DocumentOut)
    @blp.alt_response(200, schema=DocumentOut,
                      description="A document with this external_ref exists already: it is answered unchanged.")
    def post(self, form, org_id):
        """Share a file (multipart field `file`) with a customer, or with chosen contacts."""
        filename, data = uploaded_file()
        caller = auth.principal()
        remember_caller(runtime(), caller)
        contacts = [c.strip() for c in (form.pop("contact_ids") or "").split(",") if c.strip()] or None
        document_id, created = handlers.share_document(runtime(), ShareDocument(
            org_id=org_id, filename=filename, data=data, contact_ids=tuple(contacts) if contacts else None,
            by_name=caller.name if caller.kind == "staff" else None,
            **{**form, "valid_until": _iso(form["valid_until"])}))
        detail = staff_detail(org_id, document_id)
        return detail if created else (detail, 200)

    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(StaffListArgs, location="query")
    @blp.response(200, DocumentPageOut)
    def get(self, args, org_id):
        """The org's documents and customers' uploads, newest first; keyset pages."""
        with read_only(runtime().engine) as conn:
            return queries.list_documents(conn, org_id, queries.ListQuery(**args), auth.principal())


@blp.route("/orgs/<org_id>/documents/<document_id>")
class DocumentById(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.response(200, DocumentOut)
    def get(self, org_id, document_id):
        """The document, its versions, who viewed, downloaded and decided, with the evidence."""
        return staff_detail(org_id, document_id)


@blp.route("/orgs/<org_id>/documents/<document_id>/versions")
class Versions(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(VersionForm, location="form", content_type=MULTIPART)
    @blp.response(201, DocumentOut)
    def post(self, form, org_id, document_id):
        """Replace the file with a new version (multipart field `file`); an earlier version
        can no longer be accepted or signed."""
        filename, data = uploaded_file()
        caller = auth.principal()
        handlers.add_version(runtime(), AddVersion(
            org_id=org_id, document_id=document_id, filename=filename, data=data, note=form["note"],
            amount_minor=form["amount_minor"], valid_until=_iso(form["valid_until"]),
            by_name=caller.name if caller.kind == "staff" else None))
        remember_caller(runtime(), caller)             # staff read "new version by Kim", not an id
        return staff_detail(org_id, document_id)


@blp.route("/orgs/<org_id>/documents/<document_id>/withdraw")
class Withdraw(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(WithdrawIn)
    @blp.response(200, DocumentOut)
    def post(self, body, org_id, document_id):
        """Withdraw the document: the customer no longer sees or downloads it, at once."""
        handlers.withdraw_document(runtime(), WithdrawDocument(org_id, document_id, body["reason"]))
        remember_caller(runtime(), auth.principal())
        return staff_detail(org_id, document_id)


@blp.route("/orgs/<org_id>/documents/<document_id>/file")
class StaffFile(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(FileArgs, location="query")
    def get(self, args, org_id, document_id):
        """The file's bytes (the latest version, or `version`)."""
        with read_only(runtime().engine) as conn:
            document, version = queries.version_of(conn, org_id, document_id, args["version"], auth.principal())
        return send(runtime(), org_id, document, version, args["inline"])


@blp.route("/orgs/<org_id>/documents/<document_id>/certificate")
class StaffCertificate(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    def get(self, org_id, document_id):
        """A PDF of the evidence of the document's decisions (who, when, from where, which bytes)."""
        return certificate(runtime(), org_id, staff_detail(org_id, document_id))


@blp.route("/orgs/<org_id>/uploads")
class StaffUploads(MethodView):
    @auth.requires(*STAFF_KINDS, **MANAGE)
    @blp.arguments(StaffUploadForm, location="form", content_type=MULTIPART)
    @blp.response(201, DocumentOut)
    def post(self, form, org_id):
        """A file from the business's side on a customer's ticket, service request or invoice."""
        filename, data = uploaded_file()
        caller = auth.principal()
        remember_caller(runtime(), caller)
        document_id = handlers.upload_file(runtime(), UploadFile(
            org_id=org_id, customer_id=form["customer_id"], filename=filename, data=data, uploader_kind="staff",
            uploader_id=caller.id, subject_type=form["subject_type"], subject_id=form["subject_id"]))
        return staff_detail(org_id, document_id)
