"""The gateway's client of the support service (services/support/API.md), with the signed-in
person's internal token: support scopes every answer to the token's org, customer and
contact. Contacts use the customer routes, staff the org routes (`staff=True`)."""
from __future__ import annotations

from gateway.clients.base import ServiceApi, _id

LIST_QUERY = ("status", "priority", "q", "cursor", "limit", "customer_id", "assignee_id")


class SupportClient(ServiceApi):
    service = "support"

    def __init__(self, http, org: str, customer: str | None = None):
        super().__init__(http)
        self.org = _id(org)
        self.base = f"/orgs/{self.org}/customers/{_id(customer)}/tickets" if customer else f"/orgs/{self.org}/tickets"

    def tickets(self, query: dict) -> dict:
        params = {k: v for k, v in query.items() if k in LIST_QUERY and v not in (None, "")}
        return self._call("GET", self.base, params=params)

    def raise_ticket(self, body: dict) -> dict:
        return self._call("POST", self.base, body)

    def ticket(self, ticket_id: str) -> dict:
        return self._call("GET", f"{self.base}/{_id(ticket_id)}")

    def unread(self) -> int:
        return self._call("GET", f"{self.base}/unread")["tickets"]

    def post(self, ticket_id: str, body: str) -> dict:
        return self._call("POST", f"{self.base}/{_id(ticket_id)}/messages", {"body": body})

    def seen(self, ticket_id: str, seq: int) -> int:
        return self._call("POST", f"{self.base}/{_id(ticket_id)}/seen", {"seq": seq})["seq"]

    def act(self, ticket_id: str, action: str, body: dict | None = None) -> dict:
        """reopen, rating (contacts); status, close, assign, merge, notes (staff)."""
        return self._call("POST", f"{self.base}/{_id(ticket_id)}/{action}", body or {})

    def since(self, ticket_id: str, after: int) -> dict:
        """What a live page missed after `after`: messages, the other side's read mark, status."""
        return self._call("GET", f"{self.base}/{_id(ticket_id)}/messages", params={"after": after})

    # -- reviews and canned replies --------------------------------------------------------
    def review(self, customer: str, rating: int, comment: str | None) -> dict:
        return self._call("POST", f"/orgs/{self.org}/customers/{_id(customer)}/reviews",
                          {"rating": rating, "comment": comment})

    def review_turn(self, customer: str) -> dict:
        """{reviewed_at, next_review_at} of the signed-in contact's review of the service."""
        return self._call("GET", f"/orgs/{self.org}/customers/{_id(customer)}/reviews")

    def reviews(self) -> dict:
        return self._call("GET", f"/orgs/{self.org}/reviews")

    def canned_replies(self) -> list[dict]:
        return self._call("GET", f"/orgs/{self.org}/canned-replies")

    def add_canned_reply(self, title: str, body: str) -> dict:
        return self._call("POST", f"/orgs/{self.org}/canned-replies", {"title": title, "body": body})

    def delete_canned_reply(self, reply_id: str) -> None:
        self._call("DELETE", f"/orgs/{self.org}/canned-replies/{_id(reply_id)}")
