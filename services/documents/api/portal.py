"""Documents as a customer's contacts reach them, under /orgs/<org>/customers/<customer>/:
what is shared with them (module "documents", or "quotes" for quotes; permission "view"),
a file's bytes ("download"), decisions on quotes and agreements ("approve"), their own
uploads ("upload", where the org allows customers' uploads) and forwarding a link
("forward", where the org allows it). Another customer's or org's document, a withdrawn
one, or one shared with other contacts only, answers 404 everywhere.

The gateway hands in the contact's address and browser with a decision (`ip`,
`user_agent`): they are the decision's evidence."""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth, orgs
from services.chassis.auth import Forbidden
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.documents.api.files import certificate, send, uploaded_file
from services.documents.api.schemas import (DecisionIn, DecisionOut, DocumentOut, DocumentPageOut, FileArgs,
                                            ForwardIn, ListArgs, MULTIPART, SignIn, UploadForm)
from services.documents.domain.commands import DecideQuote, Evidence, ForwardDocument, SignAgreement, UploadFile
from services.documents.handlers import decisions
from services.documents.handlers import documents as handlers
from services.documents.handlers.views import record_view, remember_caller
from services.documents.queries import documents as queries

blp = Blueprint("customer_documents", __name__, description="A customer's documents, as its contacts see them")

ANY_MODULE = ("contact", "staff", "system")


def _detail(org_id: str, customer_id: str, document_id: str) -> dict:
    with read_only(runtime().engine) as conn:
        return queries.detail(conn, org_id, document_id, auth.principal(), customer_id=customer_id)


def _evidence(body: dict) -> Evidence:
    caller = auth.principal()
    return Evidence(contact_id=caller.id, contact_name=caller.name, ip=body.get("ip"),
                    user_agent=body.get("user_agent"))


def _contact_may(permission: str) -> None:
    caller = auth.principal()
    if caller.kind == "contact" and permission not in caller.permissions:
        raise Forbidden(f"You do not have the {permission} permission.")


@blp.route("/orgs/<org_id>/customers/<customer_id>/documents")
class CustomerDocuments(MethodView):
    @auth.requires(*ANY_MODULE, permission="view")
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, DocumentPageOut)
    def get(self, args, org_id, customer_id):
        """What is shared with the caller (and their side's own uploads), newest first; or the
        files attached to one subject (`subject_type`, `subject_id`)."""
        with read_only(runtime().engine) as conn:
            return queries.list_documents(conn, org_id, queries.ListQuery(customer_id=customer_id, **args),
                                          auth.principal())


@blp.route("/orgs/<org_id>/customers/<customer_id>/documents/<document_id>")
class CustomerDocument(MethodView):
    @auth.requires(*ANY_MODULE, permission="view")
    @blp.response(200, DocumentOut)
    def get(self, org_id, customer_id, document_id):
        """The document with its versions and the decision on it; the contact's view is recorded."""
        found = _detail(org_id, customer_id, document_id)
        record_view(runtime(), org_id, document_id, auth.principal())
        return found


@blp.route("/orgs/<org_id>/customers/<customer_id>/documents/<document_id>/file")
class CustomerFile(MethodView):
    @auth.requires(*ANY_MODULE, permission="download")
    @blp.arguments(FileArgs, location="query")
    def get(self, args, org_id, customer_id, document_id):
        """The file's bytes, the latest version or `version`. A contact's download is recorded
        (DocumentDownloaded); a preview (`inline`) counts as a view."""
        caller = auth.principal()
        with read_only(runtime().engine) as conn:
            document, version = queries.version_of(conn, org_id, document_id, args["version"], caller, customer_id)
        if caller.kind == "contact":
            if args["inline"]:
                record_view(runtime(), org_id, document_id, caller)
            else:
                remember_caller(runtime(), caller)
                handlers.record_download(runtime(), org_id, customer_id, document_id, caller.id)
        return send(runtime(), org_id, document, version, args["inline"])


@blp.route("/orgs/<org_id>/customers/<customer_id>/documents/<document_id>/certificate")
class CustomerCertificate(MethodView):
    @auth.requires(*ANY_MODULE, permission="view")
    def get(self, org_id, customer_id, document_id):
        """The signed agreement's (or decided quote's) certificate: a PDF of the evidence."""
        return certificate(runtime(), org_id, _detail(org_id, customer_id, document_id))


@blp.route("/orgs/<org_id>/customers/<customer_id>/documents/<document_id>/decision")
class QuoteDecision(MethodView):
    @auth.requires("contact", permission="approve")
    @blp.arguments(DecisionIn)
    @blp.response(200, DecisionOut)
    def post(self, body, org_id, customer_id, document_id):
        """Accept or decline a quote, in the version the contact read."""
        status = decisions.decide_quote(runtime(), DecideQuote(
            org_id=org_id, customer_id=customer_id, document_id=document_id, accept=body["decision"] == "accept",
            version=body["version"], evidence=_evidence(body), comment=body["comment"]))
        remember_caller(runtime(), auth.principal())
        found = _detail(org_id, customer_id, document_id)
        return {"document_id": document_id, "status": status, "version": found["version"],
                "document_sha256": found["sha256"]}


@blp.route("/orgs/<org_id>/customers/<customer_id>/documents/<document_id>/signature")
class Signature(MethodView):
    @auth.requires("contact", permission="approve")
    @blp.arguments(SignIn)
    @blp.response(200, DecisionOut)
    def post(self, body, org_id, customer_id, document_id):
        """Sign an agreement by typed name and consent, in the version the contact read."""
        sha = decisions.sign_agreement(runtime(), SignAgreement(
            org_id=org_id, customer_id=customer_id, document_id=document_id, version=body["version"],
            signer_name=body["signer_name"], consent=body["consent"], evidence=_evidence(body)))
        remember_caller(runtime(), auth.principal())
        return {"document_id": document_id, "status": "signed", "version": body["version"], "document_sha256": sha}


@blp.route("/orgs/<org_id>/customers/<customer_id>/documents/<document_id>/forward")
class Forward(MethodView):
    @auth.requires("contact", permission="forward")
    @blp.arguments(ForwardIn)
    @blp.response(202)
    def post(self, body, org_id, customer_id, document_id):
        """Mail the document's link (never the file) to an address; opening it needs a sign-in."""
        caller = auth.principal()
        decisions.forward_document(runtime(), ForwardDocument(
            org_id=org_id, customer_id=customer_id, document_id=document_id, contact_id=caller.id,
            recipient_email=body["email"], contact_name=caller.name, message=body["message"]))
        return {"recipient_email": body["email"]}


@blp.route("/orgs/<org_id>/customers/<customer_id>/uploads")
class Uploads(MethodView):
    @auth.requires("contact", permission="upload")
    @blp.arguments(UploadForm, location="form", content_type=MULTIPART)
    @blp.response(201, DocumentOut)
    def post(self, form, org_id, customer_id):
        """Upload a file (multipart field `file`), on its own or attached to a ticket, service
        request or invoice; checked by its content, at most the org's upload limit."""
        caller = auth.principal()
        with read_only(runtime().engine) as conn:
            if not orgs.settings(conn, org_id).get("customer_uploads"):
                raise Forbidden("Uploading files is not enabled for this portal.")
        filename, data = uploaded_file()
        remember_caller(runtime(), caller)
        document_id = handlers.upload_file(runtime(), UploadFile(
            org_id=org_id, customer_id=customer_id, filename=filename, data=data, uploader_kind="contact",
            uploader_id=caller.id, subject_type=form["subject_type"], subject_id=form["subject_id"]))
        return _detail(org_id, customer_id, document_id)
