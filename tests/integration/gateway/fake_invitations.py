"""The in-memory identity's invitations API (API.md, "Invitations in bulk, the invitations
list, resending"): the bulk invitation with identity's own row checks
(services/identity/domain/invitation_rows.py) and outcomes, idempotent per (customer,
e-mail), a customer of another org unknown; the list with each contact's status; resending
at most once a minute per contact. Mixed into FakeIdentity."""
from __future__ import annotations

import math
import time
from datetime import datetime, timezone

from services.identity.domain.invitation_rows import RowProblem, checked_row

INVITATION_DAYS = 7


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds") if ts else None


class FakeInvitations:
    def init_invitations(self) -> None:
        self.invited_at: dict[str, float] = {}         # contact id -> when the latest invitation went
        self.accepted_at: dict[str, float] = {}
        self.routes += [("POST", r"/orgs/(?P<org>[^/]+)/invitations/bulk", self._bulk),
                        ("POST", r"/orgs/(?P<org>[^/]+)/contacts/(?P<id>[^/]+)/invitations/resend", self._resend)]

    # -- POST /orgs/{org}/invitations/bulk ----------------------------------------------------
    def _bulk(self, body, org):
        self._org(org)
        if self.caller_role not in (None, "owner", "admin"):
            self.problem(403, "Your role does not allow this.")
        results, seen, made = [], set(), {}
        for index, item in enumerate(body["items"]):
            try:
                row = checked_row(item)
            except RowProblem as problem:
                results.append({"index": index, "outcome": "failed", "field": problem.field,
                                "message": problem.message})
                continue
            result = {"index": index, "outcome": "invite", "field": None, "message": None, "email": row["email"],
                      "name": row["name"], "permissions": row["permissions"], "language": row["language"],
                      "customer_id": None, "customer_name": row["customer"], "new_customer": False,
                      "contact_id": None}
            self._decide(org, row, result, seen)
            if result["outcome"] == "invite" and not body.get("dry_run"):
                self._carry_out(org, row, result, made, body["link_base"])
            results.append(result)
        counts: dict[str, int] = {}
        for result in results:
            counts[result["outcome"]] = counts.get(result["outcome"], 0) + 1
        return {"items": results, "counts": counts}

    def _decide(self, org, row, result, seen) -> None:
        ref = row["customer"]
        mine = [c for c in self.customers.values() if c["org_id"] == org]
        matches = [c for c in mine if c["customer_id"] == ref] or [c for c in mine if c["name"].lower() == ref.lower()]
        if len(matches) > 1:
            return self._row_fails(result, "customer", f"{len(matches)} customers are called '{ref}': "
                                                       "give the customer's id instead")
        if matches:
            result.update(customer_id=matches[0]["customer_id"], customer_name=matches[0]["name"])
        elif row["create_customer"]:
            result["new_customer"] = True
        else:
            return self._row_fails(result, "customer", f"the customer '{ref}' is not known (give its exact name "
                                                       "or id, or let the import create missing customers)")
        if row["email"] in seen:
            return self._row_fails(result, "email", f"the e-mail address '{row['email']}' is in the list twice: "
                                                    "only its first row is invited")
        seen.add(row["email"])
        contact = next((l for l in self.logins.values() if l.org_id == org and l.kind == "contact"
                        and l.email == row["email"]), None)
        if contact is None:
            return None
        if contact.customer_id != result["customer_id"]:
            return self._row_fails(result, "email", f"the e-mail address '{row['email']}' already belongs to a "
                                                    f"contact of {self.customers[contact.customer_id]['name']}")
        result["contact_id"] = contact.id
        if contact.status == "invited":
            result.update(outcome="already_invited", message="already invited: resend the invitation from the "
                                                             "invitations page if it was lost")
        elif contact.status != "created":
            result.update(outcome="already_contact", message="already a contact, whose access is disabled"
                          if contact.status == "disabled" else "already a contact who can sign in")
        return None

    @staticmethod
    def _row_fails(result, field, message) -> None:
        result.update(outcome="failed", field=field, message=message)

    def _carry_out(self, org, row, result, made, link_base) -> None:
        customer_id = result["customer_id"] or made.get(row["customer"].lower())
        if customer_id is None:
            customer_id = self.add_customer(self.orgs[org], row["customer"], row["email"])["customer_id"]
            made[row["customer"].lower()] = customer_id
        contact_id = result["contact_id"]
        if contact_id is None:
            login = self.add_contact(self.orgs[org], self.customers[customer_id], row["email"], row["name"],
                                     password=None, permissions=row["permissions"], status="created")
            if row["language"]:
                login.profile["language"] = row["language"]
            contact_id = login.id
        self._invite({"link_base": link_base}, org, contact_id)
        result.update(outcome="invited", customer_id=customer_id, contact_id=contact_id)

    # -- POST /orgs/{org}/contacts/{id}/invitations/resend --------------------------------------
    def _resend(self, body, org, id):
        login = self._login(org, id)
        if login.kind != "contact":
            self.problem(404, "No such contact.")
        if login.status == "active":
            self.problem(422, "This contact has already accepted an invitation and can sign in.")
        last = self.invited_at.get(id)
        if last and time.time() - last < 60:
            wait = math.ceil(last + 60 - time.time())
            self.problem(429, f"An invitation went to this contact moments ago. Try again in {wait} seconds.",
                         retry_after=wait)
        return self._invite(body, org, id)

    # -- GET /orgs/{org}/invitations --------------------------------------------------------------
    def find_invitations(self, org, status=None, q=None, after=None, limit=50):
        """As identity: contacts by (name, id) with their invitation's status, `q` in name,
        e-mail or customer, the next page's cursor."""
        self._org(org)
        now, rows = time.time(), []
        for login in self.logins.values():
            if login.org_id != org or login.kind != "contact":
                continue
            sent = self.invited_at.get(login.id)
            expires = sent + INVITATION_DAYS * 86400 if sent else None
            state = {"created": "not_invited", "active": "active", "disabled": "disabled"}.get(login.status)
            if login.status == "invited":
                state = "pending" if expires and expires > now else "expired"
            customer = self.customers[login.customer_id]
            rows.append({"contact_id": login.id, "customer_id": login.customer_id, "customer_name": customer["name"],
                         "email": login.email, "name": login.name, "status": state, "invited_at": _iso(sent),
                         "expires_at": _iso(expires), "accepted_at": _iso(self.accepted_at.get(login.id))})
        rows = [r for r in rows if (not status or r["status"] == status) and
                (not q or q.lower() in f"{r['name']} {r['email']} {r['customer_name']}".lower())]
        return self.name_page(rows, "contact_id", after, limit)
