"""The real documents service behind the gateway's tests, in process (as billing_backend.py
runs billing): its Flask app answers the gateway's HTTP client through a requests adapter, on
one SQLite database and one storage folder for the test process, checking the internal
tokens the fake identity signs. It hears no identity events: `know_org` gives it an org's
settings (uploads on, their limit, forwarding) as PortalSettingsChanged would."""
from __future__ import annotations

import io
import tempfile
from pathlib import Path

from services.chassis import migrate
from services.chassis.config import Config
from services.chassis.db import upsert_insert
from services.chassis.orgs import known_orgs
from services.documents.app import create_app
from services.documents.bootstrap import SPEC
from tests.helpers.tokens import bearer
from tests.integration.gateway.billing_backend import WsgiAdapter

_documents = {}
DEFAULTS = {"customer_uploads": True, "upload_limit_mb": 25, "forward_documents": True}


def documents_app():
    """One migrated documents app per test process (SQLite and a folder in a temporary place)."""
    if "app" not in _documents:
        folder = Path(tempfile.mkdtemp(prefix="gw-documents-"))
        url = f"sqlite:///{folder / 'documents.db'}"
        migrate.upgrade(SPEC, url)
        env = {"DOCUMENTS_STORAGE": "disk", "DOCUMENTS_STORAGE_PATH": str(folder / "files")}
        _documents["app"] = create_app(Config.from_env("documents", database_url=url, kafka_bootstrap="127.0.0.1:1",
                                                       env=env))
    return _documents["app"]


def mount(gateway_app) -> None:
    session = gateway_app.extensions["gateway"].services["documents"].session
    session.mount("http://", WsgiAdapter(documents_app()))


def know_org(org: dict, **settings) -> None:
    rt = documents_app().extensions["portal"]
    values = {**DEFAULTS, **(org.get("settings") or {}), **settings}
    with rt.engine.begin() as conn:
        conn.execute(upsert_insert(conn, known_orgs).values(org_id=org["org_id"], name=org.get("name") or "Org",
                                                            settings=values)
                     .on_conflict_do_update(index_elements=["org_id"], set_={"settings": values}))


def _staff(org_id: str) -> dict:
    return bearer("staff", org_id, id="documents-staff", name="Kim Staff")


def share(org_id: str, customer_id: str, data: bytes, filename: str = "quote.pdf", **form) -> dict:
    """A document shared with the customer, the way staff or an ERP shares one."""
    fields = {"customer_id": customer_id, "kind": "quote", "title": "Quote", **{k: str(v) for k, v in form.items()}}
    answer = documents_app().test_client().post(f"/orgs/{org_id}/documents", headers=_staff(org_id),
                                                content_type="multipart/form-data",
                                                data={**fields, "file": (io.BytesIO(data), filename)})
    assert answer.status_code in (200, 201), answer.get_json()
    return answer.get_json()


def staff_document(org_id: str, document_id: str) -> dict:
    answer = documents_app().test_client().get(f"/orgs/{org_id}/documents/{document_id}", headers=_staff(org_id))
    return answer.get_json() if answer.status_code == 200 else {"status": answer.status_code}


def sign(org_id: str, customer_id: str, document_id: str, contact_id: str) -> dict:
    """The agreement signed by a contact of the customer, the way the portal signs one."""
    contact = bearer("contact", org_id, id=contact_id, customer_id=customer_id, permissions=("view", "approve"),
                     modules=("documents",), name="Someone")
    answer = documents_app().test_client().post(
        f"/orgs/{org_id}/customers/{customer_id}/documents/{document_id}/signature", headers=contact,
        json={"version": 1, "signer_name": "Someone", "consent": True})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def staff_documents(org_id: str) -> list[dict]:
    return documents_app().test_client().get(f"/orgs/{org_id}/documents", headers=_staff(org_id)).get_json()["items"]
