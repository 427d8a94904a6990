"""The gateway's client of the identity service: one method per call of
services/identity/API.md. It answers plain dicts; problems and failures come as the
base client's `ServiceProblem` and `ServiceUnavailable` (clients/base.py)."""
from __future__ import annotations

import base64

import requests

from gateway.clients.base import ServiceApi, ServiceProblem, ServiceUnavailable, _id


class IdentityClient(ServiceApi):
    """Calls identity over the pooled `ServiceClient`. Subclassed by the tests' fake."""
    service = "identity"

    # -- orgs and portal settings ------------------------------------------------------
    def org_by_host(self, host: str) -> dict | None:
        try:
            return self._call("GET", f"/orgs/by-host/{_id(host)}")
        except ServiceProblem as problem:
            if problem.status == 404:
                return None
            raise

    def org(self, org: str) -> dict:
        return self._call("GET", f"/orgs/{_id(org)}")

    def change_settings(self, org: str, changes: dict) -> dict:
        return self._call("PATCH", f"/orgs/{_id(org)}/settings", changes)

    def contact_counts(self, org: str) -> dict:
        """{created, invited, active, disabled}: how many of the org's contacts are in each state."""
        return self._call("GET", f"/orgs/{_id(org)}/contact-counts")

    def put_logo(self, org: str, image: bytes) -> dict:
        return self._call("PUT", f"/orgs/{_id(org)}/logo", {"data": base64.b64encode(image).decode()})

    def delete_logo(self, org: str) -> None:
        self._call("DELETE", f"/orgs/{_id(org)}/logo")

    def logo(self, org: str) -> tuple[str, bytes] | None:
        """(content type, image) of the org's logo, or None when it has none."""
        try:
            response = self.http.get(f"/orgs/{_id(org)}/logo")
        except requests.RequestException as exc:
            raise ServiceUnavailable(f"identity unreachable: {exc.__class__.__name__}") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise ServiceUnavailable(f"identity answered {response.status_code}")
        return response.headers.get("Content-Type", "application/octet-stream"), response.content

    # -- sign-in and sessions ------------------------------------------------------------
    def sign_in(self, org: str, kind: str, email: str, password: str, ip: str | None, user_agent: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/sessions", {
            "kind": kind, "email": email, "password": password, "ip": ip, "user_agent": user_agent})

    def resolve(self, org: str, token: str) -> dict | None:
        """The session view, or None when the token is unknown, expired or revoked (401),
        or is not even shaped like a token (a cookie a client made up: 400/422)."""
        try:
            return self._call("POST", f"/orgs/{_id(org)}/sessions/resolve", {"token": token})
        except ServiceProblem as problem:
            if problem.status in (400, 401, 404, 422):
                return None
            raise

    def end(self, org: str, token: str) -> None:
        self._call("POST", f"/orgs/{_id(org)}/sessions/end", {"token": token})

    def verify_mfa(self, org: str, token: str, code: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/sessions/mfa", {"token": token, "code": code})

    def use_recovery_code(self, org: str, token: str, code: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/sessions/recovery", {"token": token, "code": code})

    def revoke_all(self, org: str, login_id: str, except_token: str | None = None) -> None:
        body = {"except_token": except_token} if except_token else {}
        self._call("POST", f"/orgs/{_id(org)}/logins/{_id(login_id)}/sessions/revoke", body)

    # -- MFA enrolment -------------------------------------------------------------------
    def start_enrolment(self, org: str, token: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/mfa/enrolment", {"token": token})

    def confirm_enrolment(self, org: str, token: str, code: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/mfa/enrolment/confirm", {"token": token, "code": code})

    # -- invitations, passwords, profile ---------------------------------------------------
    def invite(self, org: str, contact_id: str, link_base: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/contacts/{_id(contact_id)}/invitations",
                          {"link_base": link_base})

    def invite_many(self, org: str, items: list[dict], link_base: str, dry_run: bool = False) -> dict:
        """{items: a result per item, counts}. 5,000 items take identity about 10 s: the wait
        stays inside gunicorn's 30 s; a confirmation cut short can be sent again (idempotent)."""
        return self._call("POST", f"/orgs/{_id(org)}/invitations/bulk",
                          {"items": items, "link_base": link_base, "dry_run": dry_run}, timeout=25)

    def find_invitations(self, org: str, status: str | None = None, q: str | None = None, after: str | None = None,
                         limit: int = 50) -> tuple[list, str | None]:
        """A page of contacts with their invitation's status, and the next page's cursor."""
        params = {k: v for k, v in {"status": status, "q": q, "after": after, "limit": limit}.items() if v}
        return self._page(f"/orgs/{_id(org)}/invitations", params)

    def resend_invitation(self, org: str, contact_id: str, link_base: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/contacts/{_id(contact_id)}/invitations/resend",
                          {"link_base": link_base})

    def lookup_invitation(self, org: str, token: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/invitations/lookup", {"token": token})

    def accept_invitation(self, org: str, token: str, password: str, ip: str | None, user_agent: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/invitations/accept", {
            "token": token, "password": password, "ip": ip, "user_agent": user_agent})

    def change_password(self, org: str, token: str, current_password: str, new_password: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/password/change", {
            "token": token, "current_password": current_password, "new_password": new_password})

    def get_profile(self, org: str, login_id: str) -> dict:
        return self._call("GET", f"/orgs/{_id(org)}/logins/{_id(login_id)}/profile")

    def update_profile(self, org: str, login_id: str, changes: dict) -> dict:
        return self._call("PATCH", f"/orgs/{_id(org)}/logins/{_id(login_id)}/profile", changes)

    # -- staff console: staff, customers, contacts ---------------------------------------
    def create_staff(self, org: str, email: str, name: str, role: str, password: str | None = None) -> dict:
        body = {"email": email, "name": name, "role": role}
        if password:
            body["password"] = password
        return self._call("POST", f"/orgs/{_id(org)}/staff", body)

    def list_staff(self, org: str) -> list:
        return self._call("GET", f"/orgs/{_id(org)}/staff")

    def invite_staff(self, org: str, staff_id: str, link_base: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/staff/{_id(staff_id)}/invitations", {"link_base": link_base})

    def change_staff_role(self, org: str, staff_id: str, role: str) -> dict:
        return self._call("PUT", f"/orgs/{_id(org)}/staff/{_id(staff_id)}/role", {"role": role})

    def remove_staff(self, org: str, staff_id: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/staff/{_id(staff_id)}/remove")

    def create_customer(self, org: str, name: str, email: str, address: list[str] | None = None,
                        tax_id: str | None = None) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/customers",
                          {"name": name, "email": email, "address": address or [], "tax_id": tax_id})

    def update_customer(self, org: str, customer_id: str, details: dict) -> dict:
        """All of the customer's details at once: name, email, address (lines), tax_id."""
        return self._call("PUT", f"/orgs/{_id(org)}/customers/{_id(customer_id)}", details)

    def list_customers(self, org: str) -> list:
        return self._call("GET", f"/orgs/{_id(org)}/customers")

    def find_customers(self, org: str, q: str | None = None, after: str | None = None,
                       limit: int = 50) -> tuple[list, str | None]:
        """A page of customers by name, and the cursor of the next page (None at the end)."""
        params = {k: v for k, v in {"q": q, "after": after, "limit": limit}.items() if v}
        return self._page(f"/orgs/{_id(org)}/customers", params)

    def _page(self, path: str, params: dict) -> tuple[list, str | None]:
        response = self._send("GET", path, params=params)
        try:
            return response.json(), response.headers.get("X-Next-Cursor")
        except ValueError as exc:
            raise ServiceUnavailable("identity answered something that is not JSON") from exc

    def get_customer(self, org: str, customer_id: str) -> dict:
        return self._call("GET", f"/orgs/{_id(org)}/customers/{_id(customer_id)}")

    def create_contact(self, org: str, customer_id: str, email: str, name: str, permissions: list[str]) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/customers/{_id(customer_id)}/contacts",
                          {"email": email, "name": name, "permissions": permissions})

    def list_contacts(self, org: str, customer_id: str) -> list:
        return self._call("GET", f"/orgs/{_id(org)}/customers/{_id(customer_id)}/contacts")

    def get_contact(self, org: str, contact_id: str) -> dict:
        return self._call("GET", f"/orgs/{_id(org)}/contacts/{_id(contact_id)}")

    def set_permissions(self, org: str, contact_id: str, permissions: list[str],
                        modules: list[str] | None = None) -> dict:
        """The contact's permissions, and their modules where given (None keeps them)."""
        body = {"permissions": permissions, **({"modules": modules} if modules is not None else {})}
        return self._call("PUT", f"/orgs/{_id(org)}/contacts/{_id(contact_id)}/permissions", body)

    def set_customer_modules(self, org: str, customer_id: str, modules: list[str] | None) -> dict:
        """The modules the customer's contacts may use within the org's; None: all of the org's."""
        return self._call("PUT", f"/orgs/{_id(org)}/customers/{_id(customer_id)}/modules", {"modules": modules})

    def reset_mfa(self, org: str, contact_id: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/contacts/{_id(contact_id)}/mfa/reset")

    # -- password reset and self sign-up (nobody is signed in yet) -------------------------
    def request_password_reset(self, org: str, kind: str, email: str, link_base: str, ip: str | None) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/password-resets", {
            "kind": kind, "email": email, "link_base": link_base, "ip": ip})

    def lookup_password_reset(self, org: str, token: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/password-resets/lookup", {"token": token})

    def accept_password_reset(self, org: str, token: str, password: str, ip: str | None, user_agent: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/password-resets/accept", {
            "token": token, "password": password, "ip": ip, "user_agent": user_agent})

    def sign_up(self, org: str, name: str, company: str | None, email: str, password: str, link_base: str,
                ip: str | None) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/signups", {
            "name": name, "company": company, "email": email, "password": password,
            "link_base": link_base, "ip": ip})

    def verify_sign_up(self, org: str, token: str, ip: str | None, user_agent: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/signups/verify", {
            "token": token, "ip": ip, "user_agent": user_agent})

    # -- custom domains (console: owners and admins) -------------------------------------
    def list_domains(self, org: str) -> list:
        """Each {domain, status, record: {type, name, value}, target, last_check, ...}."""
        return self._call("GET", f"/orgs/{_id(org)}/domains")

    def add_domain(self, org: str, domain: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/domains", {"domain": domain})

    def check_domain(self, org: str, domain: str) -> dict:
        """Looks its TXT record up in DNS now; the domain as it stands after."""
        return self._call("POST", f"/orgs/{_id(org)}/domains/{_id(domain)}/check")

    def remove_domain(self, org: str, domain: str) -> None:
        self._call("DELETE", f"/orgs/{_id(org)}/domains/{_id(domain)}")

    # -- API keys for internal systems (console: owners and admins; the exchange: /api/v1) --
    def create_api_key(self, org: str, name: str, scopes: list[str]) -> dict:
        """The new key's listing plus `key` itself: the only answer that ever carries it."""
        return self._call("POST", f"/orgs/{_id(org)}/api-keys", {"name": name, "scopes": scopes})

    def list_api_keys(self, org: str) -> list:
        return self._call("GET", f"/orgs/{_id(org)}/api-keys")

    def revoke_api_key(self, org: str, key_id: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/api-keys/{_id(key_id)}/revoke")

    def exchange_api_key(self, org: str, key: str) -> dict | None:
        """{internal_token, key_id, name, scopes, expires_in} for a live key of this org; None
        for anything else (unknown, revoked, another org's, not shaped like a key)."""
        try:
            return self._call("POST", f"/orgs/{_id(org)}/api-keys/exchange", {"key": key})
        except ServiceProblem as problem:
            if problem.status in (400, 401, 422):
                return None
            raise
