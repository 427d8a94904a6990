"""The documents' read models, kept in step with their events in the append's transaction.

- `documents`: one row per document as lists and pages show it (its latest version's file,
  its status, a quote's terms). `contact_ids` null: every contact of the customer sees it.
- `document_audience`: the chosen contacts of a document shared with some only.
- `document_versions`: every version's file and fingerprint, who added it and when.
- `document_activity`: what happened to a document, in order (shared, new version,
  downloaded, accepted, declined, signed, forwarded, uploaded, withdrawn) and by whom (the
  event's actor). Views are not events: see tables.document_views.
"""
from sqlalchemy import JSON, BigInteger, Boolean, Column, Index, Integer, String, Table, Text, update

from services.chassis.db import upsert_insert
from services.chassis.projections import Projection
from services.documents.tables import metadata

STATUS_OF = {"QuoteAccepted": "accepted", "QuoteDeclined": "declined", "AgreementSigned": "signed",
             "DocumentWithdrawn": "withdrawn"}
WHAT = {"DocumentShared": "shared", "DocumentVersionAdded": "version_added", "DocumentWithdrawn": "withdrawn",
        "DocumentDownloaded": "downloaded", "QuoteAccepted": "accepted", "QuoteDeclined": "declined",
        "AgreementSigned": "signed", "DocumentForwarded": "forwarded", "DocumentUploaded": "uploaded"}

documents = Table(
    "documents", metadata,
    Column("document_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("origin", String(10), nullable=False),          # shared | uploaded
    Column("kind", String(20), nullable=False),            # contract | quote | agreement | other | upload
    Column("title", String(300), nullable=False),
    Column("contact_ids", JSON(none_as_null=True)),
    Column("status", String(20), nullable=False),          # shared | accepted | declined | signed | withdrawn | uploaded
    Column("needs_approval", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("filename", String(300), nullable=False),
    Column("content_type", String(120), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64)),
    Column("number", String(40)),
    Column("currency", String(3)),
    Column("amount_minor", BigInteger),
    Column("valid_until", String(10)),
    Column("external_ref", String(200)),
    Column("subject_type", String(20)),
    Column("subject_id", String(200)),
    Column("uploaded_by", String(10)),                     # contact | staff (uploads)
    Column("author_id", String(200)),                      # who shared or uploaded it
    Column("author_name", String(200)),
    Column("decided_by", String(200)),
    Column("decided_at", String(40)),
    Column("decision_note", Text),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Index("uq_documents_external_ref", "org_id", "external_ref", unique=True),
    Index("ix_documents_customer", "org_id", "customer_id", "created_at", "document_id"),
    Index("ix_documents_org", "org_id", "created_at", "document_id"),
    Index("ix_documents_subject", "org_id", "subject_type", "subject_id"),
)

# the contacts a document is shared with, when not with every contact of the customer
document_audience = Table(
    "document_audience", metadata,
    Column("document_id", String(64), primary_key=True),
    Column("contact_id", String(200), primary_key=True),
    Index("ix_document_audience_contact", "contact_id", "document_id"),
)

document_versions = Table(
    "document_versions", metadata,
    Column("document_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("filename", String(300), nullable=False),
    Column("content_type", String(120), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64)),
    Column("note", Text),
    Column("added_by_name", String(200)),
    Column("added_at", String(40), nullable=False),
)

document_activity = Table(
    "document_activity", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("document_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("what", String(20), nullable=False),
    Column("actor_kind", String(20)),
    Column("actor_id", String(200)),
    Column("version", Integer),
    Column("detail", Text),
    Column("at", String(40), nullable=False),
    Index("ix_document_activity_document", "document_id", "at"),
)


def _file(d: dict) -> dict:
    return {k: d.get(k) for k in ("filename", "content_type", "size_bytes", "sha256")}


class DocumentList(Projection):
    tables = (document_activity, document_versions, document_audience, documents)

    def apply(self, conn, event) -> None:
        super().apply(conn, event)
        if event.type in WHAT:
            self._activity(conn, event)

    def when_DocumentShared(self, conn, e):
        d = e.data
        conn.execute(upsert_insert(conn, documents).values(
            document_id=d["document_id"], org_id=e.org_id, customer_id=d["customer_id"], origin="shared",
            kind=d["kind"], title=d["title"], contact_ids=d.get("contact_ids"), status="shared",
            needs_approval=d["needs_approval"], version=d.get("version", 1), **_file(d),
            number=d.get("number"), currency=d.get("currency"), amount_minor=d.get("amount_minor"),
            valid_until=d.get("valid_until"), external_ref=d["external_ref"], author_id=e.actor.get("id"),
            author_name=d.get("shared_by_name"), created_at=e.occurred_at, updated_at=e.occurred_at,
        ).on_conflict_do_nothing(index_elements=["document_id"]))
        self._version(conn, e, 1, d, None, d.get("shared_by_name"))
        for contact_id in d.get("contact_ids") or ():
            conn.execute(upsert_insert(conn, document_audience).values(
                document_id=d["document_id"], contact_id=contact_id).on_conflict_do_nothing(
                index_elements=["document_id", "contact_id"]))

    def when_DocumentUploaded(self, conn, e):
        d = e.data
        conn.execute(upsert_insert(conn, documents).values(
            document_id=d["document_id"], org_id=e.org_id, customer_id=d["customer_id"], origin="uploaded",
            kind="upload", title=d["filename"], status="uploaded", needs_approval=False, version=1, **_file(d),
            subject_type=d.get("subject_type"), subject_id=d.get("subject_id"),
            uploaded_by=d.get("uploaded_by", "contact"), author_id=d["contact_id"],
            created_at=e.occurred_at, updated_at=e.occurred_at,
        ).on_conflict_do_nothing(index_elements=["document_id"]))
        self._version(conn, e, 1, d, None, None)

    def when_DocumentVersionAdded(self, conn, e):
        d = e.data
        values = {**_file(d), "version": d["version"], "updated_at": e.occurred_at}
        for key in ("amount_minor", "valid_until"):
            if d.get(key) is not None:
                values[key] = d[key]
        row = conn.execute(documents.select().where(documents.c.document_id == d["document_id"])).first()
        if row is not None and row.status == "declined":
            values.update(status="shared", decided_by=None, decided_at=None, decision_note=None)
        conn.execute(update(documents).where(documents.c.document_id == d["document_id"]).values(**values))
        self._version(conn, e, d["version"], d, d.get("note"), d.get("added_by_name"))

    def when_DocumentWithdrawn(self, conn, e):
        self._status(conn, e, decision_note=e.data.get("reason"))

    def when_QuoteAccepted(self, conn, e):
        self._status(conn, e, decided_by=e.data["contact_id"], decided_at=e.occurred_at,
                     decision_note=e.data.get("comment"))

    def when_QuoteDeclined(self, conn, e):
        self._status(conn, e, decided_by=e.data["contact_id"], decided_at=e.occurred_at,
                     decision_note=e.data.get("reason"))

    def when_AgreementSigned(self, conn, e):
        self._status(conn, e, decided_by=e.data["contact_id"], decided_at=e.occurred_at,
                     decision_note=e.data["signer_name"])

    def _status(self, conn, e, **values):
        conn.execute(update(documents).where(documents.c.document_id == e.data["document_id"])
                     .values(status=STATUS_OF[e.type], updated_at=e.occurred_at, **values))

    def _version(self, conn, e, version, d, note, by_name):
        conn.execute(upsert_insert(conn, document_versions).values(
            document_id=d["document_id"], version=version, org_id=e.org_id, **_file(d), note=note,
            added_by_name=by_name, added_at=e.occurred_at,
        ).on_conflict_do_nothing(index_elements=["document_id", "version"]))

    def _activity(self, conn, e):
        d = e.data
        detail = (d.get("comment") or d.get("reason") or d.get("signer_name") or d.get("recipient_email")
                  or d.get("note"))
        conn.execute(upsert_insert(conn, document_activity).values(
            event_id=e.event_id, org_id=e.org_id, document_id=d["document_id"], customer_id=d["customer_id"],
            what=WHAT[e.type], actor_kind=e.actor.get("kind"), actor_id=d.get("contact_id") or e.actor.get("id"),
            version=d.get("version"), detail=detail, at=e.occurred_at,
        ).on_conflict_do_nothing(index_elements=["event_id"]))
