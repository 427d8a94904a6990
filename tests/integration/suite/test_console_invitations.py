"""The console's CSV import in front of the real identity service, over HTTP on a local
port: a staff owner signs in with MFA, previews a file (nothing is sent), confirms, and the
invitations page lists the people as pending; the same file again, or a
double submit, invites nobody twice."""
from __future__ import annotations

import io
import uuid

import requests

from gateway.app import create_app as create_gateway
from tests.helpers.tokens import system
from tests.integration.gateway.conftest import Browser, text
from tests.integration.identity.test_signin import PASSWORD, code_at
from tests.integration.suite.test_gateway_api_keys import identity_url  # noqa: F401 - the fixture

HOST = "portal.acme.test"
FILE = ("customer;email;name;permissions\n"
        "Globex Ltd;ann@globex.test;Ann Example;view pay\n"
        "Globex Ltd;bob@;Bob Example;\n"
        "Newco;cleo@newco.test;Cleo New;\n").encode()


def owner_of_new_org(identity_url: str) -> tuple[str, str]:  # noqa: F811
    """An org on HOST with a customer, and its owner with MFA set up; answers (org id, TOTP secret)."""
    org = requests.post(f"{identity_url}/orgs", headers=system(), timeout=5,
                        json={"name": "Acme", "slug": f"acme-{uuid.uuid4().hex[:8]}", "host": HOST}).json()
    at = f"{identity_url}/orgs/{org['org_id']}"
    assert requests.post(f"{at}/customers", headers=system(), timeout=5,
                         json={"name": "Globex Ltd", "email": "ap@globex.test"}).status_code == 201
    assert requests.post(f"{at}/staff", headers=system(), timeout=5, json={
        "email": "sam@acme.test", "name": "Sam Owner", "role": "owner", "password": PASSWORD}).status_code == 201
    token = requests.post(f"{at}/sessions", timeout=5, json={
        "kind": "staff", "email": "sam@acme.test", "password": PASSWORD}).json()["token"]
    secret = requests.post(f"{at}/mfa/enrolment", json={"token": token}, timeout=5).json()["secret"]
    assert requests.post(f"{at}/mfa/enrolment/confirm", json={"token": token, "code": code_at(secret, 0)},
                         timeout=5).status_code == 200
    return org["org_id"], secret


def test_a_csv_import_previews_then_invites_at_identity(identity_url):  # noqa: F811
    org_id, secret = owner_of_new_org(identity_url)
    gateway = create_gateway(service_urls={"identity": identity_url}, PORTAL_ENV="dev", SECRET_KEY="test")
    owner = Browser(gateway, host=HOST)
    assert owner.submit("/console/signin", {"email": "sam@acme.test", "password": PASSWORD}).status_code == 302
    assert owner.submit("/signin/mfa", {"code": code_at(secret, 1)}).headers["Location"] == "/console"

    def upload(**form):
        owner.get("/console/invitations/import")
        return owner.send("/console/invitations/import", {"file": (io.BytesIO(FILE), "people.csv"), **form},
                          content_type="multipart/form-data")

    preview = text(upload())
    assert "1 to invite, 0 skipped (already invited or contacts), 2 with errors" in preview, preview[:600]
    assert "Row 3: the e-mail address 'bob@' is not valid" in preview
    assert "Row 4: the customer 'Newco' is not known" in preview
    listed = requests.get(f"{identity_url}/orgs/{org_id}/invitations", headers=system(), timeout=5).json()
    assert listed == []                                           # a preview sends nothing

    upload(create_customers="y")
    sealed = owner.hidden["rows"]
    report = text(owner.send("/console/invitations/import/confirm", {}))
    assert "Invited 2, skipped 0 (already invited or contacts), failed 1." in report, report[:600]
    page = text(owner.get("/console/invitations?status=pending"))
    assert "Ann Example" in page and "Cleo New" in page and "Newco" in page

    assert "0 to invite, 2 skipped" in text(upload(create_customers="y"))      # the same file again
    again = text(owner.send("/console/invitations/import/confirm", {"rows": sealed}))     # a double submit
    assert "Invited 0, skipped 2" in again
