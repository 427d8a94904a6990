"""The gateway's client of the billing service (services/billing/API.md), with the
signed-in person's internal token: billing scopes every answer to the token's customer."""
from __future__ import annotations

from flask_babel import get_locale

from gateway.clients.base import ServiceApi, ServiceProblem, _id

REFUND_TIMEOUT_S = 30.0        # billing gives the payment gateway 20 s; a refund waits for it
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

    def invoice_page(self, org: str, customer: str, invoice_id: str) -> dict:
        """The portal's invoice page in one read: {invoice, payment_in_progress, comments,
        payment_methods (null without the permission "pay")}."""
        return self._call("GET", self._customer(org, customer) + f"/invoices/{_id(invoice_id)}/page")

    def invoice_pdf(self, org: str, customer: str, invoice_id: str) -> tuple[bytes, str]:
        """The PDF and the file name billing gives it (Content-Disposition)."""
        answer = self._send("GET", self._customer(org, customer) + f"/invoices/{_id(invoice_id)}/pdf",
                            params=_in_language())
        return answer.content, answer.headers.get("Content-Disposition", 'attachment; filename="invoice.pdf"')

    # -- payments ------------------------------------------------------------------------
    def pay(self, org: str, customer: str, invoices: list[dict], method: str, return_url: str) -> dict:
        """Start a payment: {payment_id, status, redirect_url (where the customer finishes it) ...}."""
        return self._call("POST", self._customer(org, customer) + "/payments",
                          {"invoices": invoices, "method": method, "return_url": return_url})

    def payment(self, org: str, customer: str, payment_id: str) -> dict:
        return self._call("GET", self._customer(org, customer) + f"/payments/{_id(payment_id)}")

    def payment_returned(self, org: str, customer: str, gateway: str, reference: str | None, cancelled: bool,
                         payment_id: str | None = None) -> dict:
        """The customer is back from the gateway's page: capture (PayPal) or, `cancelled`, fail the
        payment (Stripe's cancel URL names billing's `payment_id` instead of a reference)."""
        body = {"gateway": gateway, "cancelled": bool(cancelled),
                **({"reference": reference} if reference else {"payment_id": payment_id})}
        return self._call("POST", self._customer(org, customer) + "/payments/gateway-return", body)

    def customer_payments(self, org: str, customer: str, query: dict) -> dict:
        """A page of the customer's payments, newest first: {items, next_cursor}."""
        params = {k: v for k, v in query.items() if k in ("status", "cursor", "limit") and v not in (None, "")}
        return self._call("GET", self._customer(org, customer) + "/payments", params=params)

    def receipt_pdf(self, org: str, customer: str, payment_id: str) -> tuple[bytes, str]:
        answer = self._send("GET", self._customer(org, customer) + f"/payments/{_id(payment_id)}/receipt.pdf",
                            params=_in_language())
        return answer.content, answer.headers.get("Content-Disposition", 'attachment; filename="receipt.pdf"')

    # -- saved payment methods (gateway/portal/payment_methods.py) --------------------------
    def payment_methods(self, org: str, customer: str) -> dict:
        """The signed-in contact's saved methods, default first: {items, gateway}."""
        return self._call("GET", self._customer(org, customer) + "/payment-methods")

    def add_payment_method(self, org: str, customer: str, kind: str, return_url: str, currency: str) -> dict:
        """Start saving a method: {setup_id, status (succeeded, or open: go to redirect_url), method}."""
        return self._call("POST", self._customer(org, customer) + "/payment-methods/setups",
                          {"kind": kind, "return_url": return_url, "currency": currency})

    def complete_payment_method_setup(self, org: str, customer: str, setup_id: str) -> dict:
        return self._call("POST", self._customer(org, customer) + f"/payment-methods/setups/{_id(setup_id)}/complete")

    def default_payment_method(self, org: str, customer: str, method_id: str) -> dict:
        return self._call("POST", self._customer(org, customer) + f"/payment-methods/{_id(method_id)}/default")

    def remove_payment_method(self, org: str, customer: str, method_id: str) -> None:
        self._call("DELETE", self._customer(org, customer) + f"/payment-methods/{_id(method_id)}")

    # -- staff ---------------------------------------------------------------------------
    def staff_payments(self, org: str, query: dict) -> dict:
        params = {k: v for k, v in query.items() if k in ("status", "gateway", "customer_id", "cursor", "limit") and v}
        return self._call("GET", f"/orgs/{_id(org)}/payments", params=params)

    def simulate(self, org: str, payment_id: str, outcome: str) -> dict:
        """Settle or fail a pending payment of the simulated gateway (the console's test lever)."""
        return self._call("POST", f"/orgs/{_id(org)}/payments/{_id(payment_id)}/simulate", {"outcome": outcome})

    # -- staff: the org's own Stripe / PayPal accounts (gateway/console/gateways.py) ------
    def gateway_connections(self, org: str) -> dict:
        """{items: [{gateway, default, secret_key: {set, ends_in} ...}], default_gateway, secrets_key_configured}."""
        return self._call("GET", f"/orgs/{_id(org)}/gateway-connections")

    def reminders(self, org: str) -> dict:
        """{enabled, days, steps, customers_left_out}: the org's payment reminder schedule."""
        return self._call("GET", f"/orgs/{_id(org)}/reminders")

    def set_reminders(self, org: str, body: dict) -> dict:
        return self._call("PUT", f"/orgs/{_id(org)}/reminders", body)

    def set_customer_reminders(self, org: str, customer: str, enabled: bool) -> dict:
        return self._call("PUT", f"/orgs/{_id(org)}/customers/{_id(customer)}/reminders", {"enabled": enabled})

    def put_gateway_connection(self, org: str, name: str, body: dict) -> dict:
        return self._call("PUT", f"/orgs/{_id(org)}/gateway-connections/{_id(name)}", body)

    def delete_gateway_connection(self, org: str, name: str) -> None:
        self._call("DELETE", f"/orgs/{_id(org)}/gateway-connections/{_id(name)}")

    def test_gateway_connection(self, org: str, name: str) -> dict:
        """{ok, detail}: the gateway called with the stored keys."""
        return self._call("POST", f"/orgs/{_id(org)}/gateway-connections/{_id(name)}/test", {})

    # -- staff: the console's invoices (gateway/console/invoices.py) ----------------------
    def staff_invoices(self, org: str, query: dict) -> dict:
        """A page of the org's invoices, drafts too: {items, next_cursor}."""
        keys = (*LIST_QUERY, "customer_id")
        params = {k: v for k, v in query.items() if k in keys and v not in (None, "")}
        return self._call("GET", f"/orgs/{_id(org)}/invoices", params=params)

    def staff_invoice(self, org: str, invoice_id: str) -> dict:
        return self._call("GET", f"/orgs/{_id(org)}/invoices/{_id(invoice_id)}")

    def price_lines(self, org: str, body: dict) -> dict:
        """What {currency, lines} come to, priced as an invoice prices them (nothing stored)."""
        return self._call("POST", f"/orgs/{_id(org)}/invoices/price", body)

    def create_invoice(self, org: str, body: dict) -> dict:
        """A draft, or an issued invoice with `issue: true` (body as API.md's POST /invoices)."""
        return self._call("POST", f"/orgs/{_id(org)}/invoices", body)

    def update_invoice(self, org: str, invoice_id: str, changes: dict) -> dict:
        return self._call("PATCH", f"/orgs/{_id(org)}/invoices/{_id(invoice_id)}", changes)

    def issue_invoice(self, org: str, invoice_id: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/invoices/{_id(invoice_id)}/issue", {})

    def void_invoice(self, org: str, invoice_id: str, reason: str | None) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/invoices/{_id(invoice_id)}/void", {"reason": reason})

    def discard_draft(self, org: str, invoice_id: str) -> None:
        self._call("DELETE", f"/orgs/{_id(org)}/invoices/{_id(invoice_id)}")

    def staff_invoice_pdf(self, org: str, invoice_id: str) -> tuple[bytes, str]:
        """Any invoice's PDF (a draft watermarked DRAFT) and the file name billing gives it."""
        answer = self._send("GET", f"/orgs/{_id(org)}/invoices/{_id(invoice_id)}/pdf", params=_in_language())
        return answer.content, answer.headers.get("Content-Disposition", 'attachment; filename="invoice.pdf"')

    def invoice_payments(self, org: str, invoice_id: str) -> dict:
        """The invoice's payments with their gateway references, newest first (up to 100)."""
        return self._call("GET", f"/orgs/{_id(org)}/payments", params={"invoice_id": invoice_id, "limit": 100})

    def record_offline_payment(self, org: str, customer: str, invoices: list[dict], method: str,
                               reference: str | None) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/payments/offline", {
            "customer_id": customer, "invoices": invoices, "method": method, "reference": reference})

    def refund(self, org: str, payment_id: str, amount_minor: int, reason: str | None,
               request_id: str | None = None, reopen_invoice: bool = False) -> dict:
        """Billing waits for the payment gateway here (up to 20 s, retried): given longer than a
        page's 3 s. Sent again with the same `request_id`, it makes no second refund. The
        invoices stay paid unless `reopen_invoice` (the payment is reversed: owed again)."""
        return self._call("POST", f"/orgs/{_id(org)}/payments/{_id(payment_id)}/refund",
                          {"amount_minor": amount_minor, "reason": reason, "request_id": request_id,
                           "reopen_invoice": reopen_invoice}, timeout=REFUND_TIMEOUT_S)

    def staff_payment(self, org: str, payment_id: str) -> dict:
        return self._call("GET", f"/orgs/{_id(org)}/payments/{_id(payment_id)}")

    # -- comments and forwarding (portal: gateway/portal/comments.py; console: staff_*) ---
    def comments(self, org: str, customer: str, invoice_id: str) -> list[dict]:
        """The invoice's conversation as the customer sees it (never an internal note), oldest first."""
        return self._call("GET", self._customer(org, customer) + f"/invoices/{_id(invoice_id)}/comments")["items"]

    def post_comment(self, org: str, customer: str, invoice_id: str, text: str) -> dict:
        return self._call("POST", self._customer(org, customer) + f"/invoices/{_id(invoice_id)}/comments",
                          {"text": text})

    def forward_invoice(self, org: str, customer: str, invoice_id: str, email: str, message: str | None) -> dict:
        """Mail the invoice's link to `email` (403 where the org does not forward; 429 past the hourly cap)."""
        return self._call("POST", self._customer(org, customer) + f"/invoices/{_id(invoice_id)}/forward",
                          {"email": email, "message": message})

    def staff_comments(self, org: str, invoice_id: str) -> list[dict]:
        """Every comment on the invoice, oldest first, each with `internal` (true: never shown to the customer)."""
        return self._call("GET", f"/orgs/{_id(org)}/invoices/{_id(invoice_id)}/comments")["items"]

    def post_staff_comment(self, org: str, invoice_id: str, text: str, show_in_portal: bool) -> dict:
        """An internal note, or with `show_in_portal` a comment the customer sees (and is mailed about)."""
        return self._call("POST", f"/orgs/{_id(org)}/invoices/{_id(invoice_id)}/comments",
                          {"text": text, "show_in_portal": bool(show_in_portal)})

    # -- credit notes ----------------------------------------------------------------------
    def credit_notes(self, org: str, customer: str, query: dict) -> dict:
        """A page of the customer's credit notes, newest first: {items, next_cursor}."""
        params = {k: v for k, v in query.items() if k in ("status", "cursor", "limit") and v not in (None, "")}
        return self._call("GET", self._customer(org, customer) + "/credit-notes", params=params)

    def credit_note(self, org: str, customer: str, credit_note_id: str) -> dict:
        """The note with its lines, the invoices it was applied to and the refunds made from it."""
        return self._call("GET", self._customer(org, customer) + f"/credit-notes/{_id(credit_note_id)}")

    def credit_note_pdf(self, org: str, customer: str, credit_note_id: str) -> tuple[bytes, str]:
        answer = self._send("GET", self._customer(org, customer) + f"/credit-notes/{_id(credit_note_id)}/pdf",
                            params=_in_language())
        return answer.content, answer.headers.get("Content-Disposition", 'attachment; filename="credit-note.pdf"')

    # -- staff: the console's credit notes (gateway/console/credit_notes.py) ----------------
    def staff_credit_notes(self, org: str, query: dict) -> dict:
        """A page of the org's credit notes, newest first: {items, next_cursor}."""
        keys = ("status", "customer_id", "invoice_id", "cursor", "limit")
        params = {k: v for k, v in query.items() if k in keys and v not in (None, "")}
        return self._call("GET", f"/orgs/{_id(org)}/credit-notes", params=params)

    def staff_credit_note(self, org: str, credit_note_id: str) -> dict:
        return self._call("GET", f"/orgs/{_id(org)}/credit-notes/{_id(credit_note_id)}")

    def issue_credit_note(self, org: str, body: dict) -> dict:
        """A new note (body as API.md's POST /credit-notes: a plain `amount_minor` or `lines`)."""
        return self._call("POST", f"/orgs/{_id(org)}/credit-notes", body)

    def apply_credit(self, org: str, credit_note_id: str, invoice_id: str, amount_minor: int) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/credit-notes/{_id(credit_note_id)}/apply",
                          {"invoice_id": invoice_id, "amount_minor": amount_minor})

    def refund_credit(self, org: str, credit_note_id: str, amount_minor: int, reason: str,
                      request_id: str | None = None) -> dict:
        """Records credit paid back out of band: nothing is sent anywhere. Sent again with the
        same `request_id`, it records no second refund."""
        return self._call("POST", f"/orgs/{_id(org)}/credit-notes/{_id(credit_note_id)}/refund",
                          {"amount_minor": amount_minor, "reason": reason, "request_id": request_id})

    def staff_credit_note_pdf(self, org: str, credit_note_id: str) -> tuple[bytes, str]:
        answer = self._send("GET", f"/orgs/{_id(org)}/credit-notes/{_id(credit_note_id)}/pdf", params=_in_language())
        return answer.content, answer.headers.get("Content-Disposition", 'attachment; filename="credit-note.pdf"')

    # -- statement of account -------------------------------------------------------------
    def org_summary(self, org: str) -> dict:
        """The org's receivables (staff): per currency what is due and overdue."""
        return self._call("GET", f"/orgs/{_id(org)}/account-summary")

    def account_summary(self, org: str, customer: str) -> dict:
        """Per currency: balance due, overdue amount and count, next due date; the overdue
        invoices "Pay all overdue" offers; how many have a payment in progress."""
        return self._call("GET", self._customer(org, customer) + "/account-summary")

    def statement(self, org: str, customer: str, query: dict) -> dict:
        """Opening balance, entries with running balance, closing balance, ageing (`from`, `to`, `currency`)."""
        params = {k: v for k, v in query.items() if k in ("from", "to", "currency") and v}
        return self._call("GET", self._customer(org, customer) + "/statement", params=params)

    def statement_pdf(self, org: str, customer: str, query: dict) -> tuple[bytes, str]:
        params = {k: v for k, v in query.items() if k in ("from", "to", "currency") and v}
        params.update(_in_language())
        answer = self._send("GET", self._customer(org, customer) + "/statement.pdf", params=params)
        return answer.content, answer.headers.get("Content-Disposition", 'attachment; filename="statement.pdf"')

    # -- payment links (console: gateway/console/payment_links.py; public: gateway/public/pay_links.py) --
    def payment_link(self, org: str, invoice_id: str) -> dict | None:
        """The invoice's live link (never its address: that is shown once), or None."""
        try:
            return self._call("GET", f"/orgs/{_id(org)}/invoices/{_id(invoice_id)}/payment-link")
        except ServiceProblem as problem:
            if problem.status == 404:
                return None
            raise

    def make_payment_link(self, org: str, invoice_id: str, link_base: str, rotate: bool = False) -> dict:
        """The live link (`created` false, no `url`), or a new one with its `url` (`rotate`: always new)."""
        return self._call("POST", f"/orgs/{_id(org)}/invoices/{_id(invoice_id)}/payment-link",
                          {"link_base": link_base, "rotate": bool(rotate)})

    def link_summary(self, org: str, token: str) -> dict:
        """Public (no sign-in): the invoice behind a link's token in brief; 404 for a dead token."""
        return self._call("GET", f"/orgs/{_id(org)}/payment-links/{_id(token)}")

    def pay_by_link(self, org: str, token: str, method: str, email: str | None, return_url: str,
                    name: str | None = None) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/payment-links/{_id(token)}/payments",
                          {"method": method, "email": email, "return_url": return_url, "name": name})

    def link_receipt_pdf(self, org: str, token: str, payment_id: str) -> tuple[bytes, str]:
        """Public: the receipt of a payment made through this link, once received; 404 for any other."""
        path = f"/orgs/{_id(org)}/payment-links/{_id(token)}/payments/{_id(payment_id)}/receipt.pdf"
        answer = self._send("GET", path, params=_in_language())
        return answer.content, answer.headers.get("Content-Disposition", 'attachment; filename="receipt.pdf"')

    def payer_receipt_pdf(self, org: str, payment_id: str, email: str) -> tuple[bytes, str]:
        """Public: a payment-link payment's receipt for the address its payer typed; 404 otherwise."""
        answer = self._send("GET", f"/orgs/{_id(org)}/payments/{_id(payment_id)}/payer-receipt.pdf",
                            params={"email": email, **_in_language()})
        return answer.content, answer.headers.get("Content-Disposition", 'attachment; filename="receipt.pdf"')

    def cancel_link_payment(self, org: str, token: str, payment_id: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/payment-links/{_id(token)}/payments/{_id(payment_id)}/cancel")

    def link_payment(self, org: str, token: str, payment_id: str) -> dict:
        return self._call("GET", f"/orgs/{_id(org)}/payment-links/{_id(token)}/payments/{_id(payment_id)}")


def _in_language() -> dict:
    """The PDFs' query: the page's language, so a download reads like the page it came from.
    The same value as gateway.web.i18n.locale_code(), read from Flask-Babel here: the clients
    sit below gateway.web in the layers (pyproject's import-linter contract)."""
    try:
        locale = get_locale()
    except KeyError:                # an app without Flask-Babel (a test's bare Flask app)
        locale = None
    return {"locale": str(locale or "en")}
