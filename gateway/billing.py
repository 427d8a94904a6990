"""The gateway's client of the billing service (services/billing/API.md), with the
signed-in person's internal token: billing scopes every answer to the token's customer."""
from __future__ import annotations

from gateway.identity import ServiceApi, _id

LIST_QUERY = ("status", "number", "match", "issued_from", "issued_to", "sort", "cursor", "limit")


class BillingClient(ServiceApi):
    service = "billing"

    def _customer(self, org: str, customer: str) -> str:
        return f"/orgs/{_id(org)}/customers/{_id(customer)}"

    def invoices(self, org: str, customer: str, query: dict) -> dict:
        """A page of the customer's invoices: {items, next_cursor}."""
        params = {k: v for k, v in query.items() if k in LIST_QUERY and v not in (None, "")}
        return self._call("GET", self._customer(org, customer) + "/invoices", params=params)

    def invoice(self, org: str, customer: str, invoice_id: str) -> dict:
        return self._call("GET", self._customer(org, customer) + f"/invoices/{_id(invoice_id)}")

    def invoice_pdf(self, org: str, customer: str, invoice_id: str) -> tuple[bytes, str]:
        """The PDF and the file name billing gives it (Content-Disposition)."""
        answer = self._send("GET", self._customer(org, customer) + f"/invoices/{_id(invoice_id)}/pdf")
        return answer.content, answer.headers.get("Content-Disposition", 'attachment; filename="invoice.pdf"')

    # -- payments ------------------------------------------------------------------------
    def pay(self, org: str, customer: str, invoices: list[dict], method: str, return_url: str) -> dict:
        """Start a payment: {payment_id, status, redirect_url (where the customer finishes it) ...}."""
        return self._call("POST", self._customer(org, customer) + "/payments",
                          {"invoices": invoices, "method": method, "return_url": return_url})

    def payment(self, org: str, customer: str, payment_id: str) -> dict:
        return self._call("GET", self._customer(org, customer) + f"/payments/{_id(payment_id)}")

    def receipt_pdf(self, org: str, customer: str, payment_id: str) -> tuple[bytes, str]:
        answer = self._send("GET", self._customer(org, customer) + f"/payments/{_id(payment_id)}/receipt.pdf")
        return answer.content, answer.headers.get("Content-Disposition", 'attachment; filename="receipt.pdf"')

    # -- staff ---------------------------------------------------------------------------
    def staff_payments(self, org: str, query: dict) -> dict:
        params = {k: v for k, v in query.items() if k in ("status", "gateway", "customer_id", "cursor", "limit") and v}
        return self._call("GET", f"/orgs/{_id(org)}/payments", params=params)

    def simulate(self, org: str, payment_id: str, outcome: str) -> dict:
        """Settle or fail a pending payment of the simulated gateway (the console's test lever)."""
        return self._call("POST", f"/orgs/{_id(org)}/payments/{_id(payment_id)}/simulate", {"outcome": outcome})
