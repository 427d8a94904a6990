"""The gateway's client of the documents service (services/documents/API.md), with the
signed-in person's internal token: documents scopes every answer to the token's org and
customer, and for a contact to what is shared with them. Contacts use the customer routes,
staff the org routes. Files go up as multipart (`file`) and come down streamed: `file()`
answers the service's response, to be passed on chunk by chunk, never held whole."""
from __future__ import annotations

import requests

from gateway.clients.base import ServiceApi, ServiceProblem, ServiceUnavailable, _auth_headers, _id

LIST_QUERY = ("kind", "status", "subject_type", "subject_id", "cursor", "limit", "customer_id")
UPLOAD_TIMEOUT_S = 60.0                  # a file of up to 100 MB over the cluster's network
PASSED = ("Content-Type", "Content-Length", "Content-Disposition", "X-Content-Type-Options",
          "Content-Security-Policy", "Cache-Control", "X-Document-Sha256", "X-Document-Version")


def _params(query: dict) -> dict:
    return {k: v for k, v in query.items() if k in LIST_QUERY and v not in (None, "")}


class DocumentsClient(ServiceApi):
    service = "documents"

    def _customer(self, org: str, customer: str) -> str:
        return f"/orgs/{_id(org)}/customers/{_id(customer)}"

    def _doc(self, org: str, customer: str, document_id: str) -> str:
        return self._customer(org, customer) + f"/documents/{_id(document_id)}"

    def _upload(self, path: str, form: dict, filename: str, stream, content_type: str | None) -> dict:
        try:
            response = self.http.request("POST", path, data={k: v for k, v in form.items() if v is not None},
                                         files={"file": (filename, stream, content_type or "application/octet-stream")},
                                         headers=_auth_headers(), timeout=UPLOAD_TIMEOUT_S)
        except requests.RequestException as exc:
            raise ServiceUnavailable(f"documents unreachable: {exc.__class__.__name__}") from exc
        if response.status_code >= 500:
            raise ServiceUnavailable(f"documents answered {response.status_code}")
        if response.status_code >= 400:
            raise ServiceProblem.from_response(response)
        return response.json()

    # -- a contact's side ------------------------------------------------------------------
    def documents(self, org: str, customer: str, query: dict) -> dict:
        """A page of what is shared with the contact (and their side's uploads): {items, next_cursor}."""
        return self._call("GET", self._customer(org, customer) + "/documents", params=_params(query))

    def document(self, org: str, customer: str, document_id: str) -> dict:
        return self._call("GET", self._doc(org, customer, document_id))

    def file(self, org: str, customer: str, document_id: str, version: int | None, inline: bool):
        return self._stream(self._doc(org, customer, document_id) + "/file",
                            {"version": version, "inline": "true" if inline else None})

    def certificate(self, org: str, customer: str, document_id: str):
        return self._stream(self._doc(org, customer, document_id) + "/certificate")

    def decide(self, org: str, customer: str, document_id: str, body: dict) -> dict:
        return self._call("POST", self._doc(org, customer, document_id) + "/decision", body)

    def sign(self, org: str, customer: str, document_id: str, body: dict) -> dict:
        return self._call("POST", self._doc(org, customer, document_id) + "/signature", body)

    def forward(self, org: str, customer: str, document_id: str, email: str, message: str | None) -> dict:
        return self._call("POST", self._doc(org, customer, document_id) + "/forward",
                          {"email": email, "message": message})

    def upload(self, org: str, customer: str, filename: str, stream, content_type: str | None = None,
               subject_type: str | None = None, subject_id: str | None = None) -> dict:
        return self._upload(self._customer(org, customer) + "/uploads",
                            {"subject_type": subject_type, "subject_id": subject_id}, filename, stream, content_type)

    # -- staff -----------------------------------------------------------------------------
    def staff_documents(self, org: str, query: dict) -> dict:
        return self._call("GET", f"/orgs/{_id(org)}/documents", params=_params(query))

    def staff_document(self, org: str, document_id: str) -> dict:
        return self._call("GET", f"/orgs/{_id(org)}/documents/{_id(document_id)}")

    def staff_file(self, org: str, document_id: str, version: int | None, inline: bool):
        return self._stream(f"/orgs/{_id(org)}/documents/{_id(document_id)}/file",
                            {"version": version, "inline": "true" if inline else None})

    def staff_certificate(self, org: str, document_id: str):
        return self._stream(f"/orgs/{_id(org)}/documents/{_id(document_id)}/certificate")

    def share(self, org: str, form: dict, filename: str, stream, content_type: str | None = None) -> dict:
        """form: customer_id, kind, title, and optionally contact_ids (comma-separated),
        number, currency, amount_minor, valid_until, external_ref, needs_approval."""
        return self._upload(f"/orgs/{_id(org)}/documents", form, filename, stream, content_type)

    def add_version(self, org: str, document_id: str, form: dict, filename: str, stream,
                    content_type: str | None = None) -> dict:
        return self._upload(f"/orgs/{_id(org)}/documents/{_id(document_id)}/versions", form, filename, stream,
                            content_type)

    def withdraw(self, org: str, document_id: str, reason: str | None) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/documents/{_id(document_id)}/withdraw", {"reason": reason})

    def staff_upload(self, org: str, customer: str, filename: str, stream, content_type: str | None = None,
                     subject_type: str | None = None, subject_id: str | None = None) -> dict:
        return self._upload(f"/orgs/{_id(org)}/uploads", {"customer_id": customer, "subject_type": subject_type,
                                                          "subject_id": subject_id}, filename, stream, content_type)
