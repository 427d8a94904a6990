"""The real billing service behind the gateway's tests, in process: its Flask app answers
the gateway's HTTP client through a requests adapter (no sockets), on one SQLite database
for the test process. Billing checks the internal tokens the fake identity signs with the
test run's key, exactly as it checks identity's."""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from services.billing.app import create_app
from services.billing.bootstrap import SPEC
from services.chassis import migrate
from services.chassis.config import Config
from tests.helpers.tokens import bearer

_billing = {}


class WsgiAdapter(BaseAdapter):
    """Hands each request to a Flask app's test client and answers what it answered."""

    def __init__(self, app):
        super().__init__()
        self.client = app.test_client()
        self.asked: list[tuple[str, str]] = []       # (method, path) of every call, for tests that count

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        self.asked.append((request.method, url.path))
        answer = self.client.open(url.path, method=request.method, query_string=url.query,
                                  headers=dict(request.headers), data=request.body)
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.get_data()
        response._content_consumed = True           # iter_content() then slices what is here
        response.headers = CaseInsensitiveDict(answer.headers)
        response.request, response.url = request, request.url
        return response

    def close(self):
        pass


def billing_app():
    """One migrated billing app per test process (SQLite in a temporary folder)."""
    if "app" not in _billing:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='gw-billing-')) / 'billing.db'}"
        migrate.upgrade(SPEC, url)
        _billing["app"] = create_app(Config.from_env("billing", database_url=url, kafka_bootstrap="127.0.0.1:1"))
    return _billing["app"]


def mount(gateway_app) -> None:
    session = gateway_app.extensions["gateway"].services["billing"].session
    session.mount("http://", WsgiAdapter(billing_app()))


def asked(gateway_app) -> list[tuple[str, str]]:
    """What the gateway asked billing so far (clear it to count one page's calls)."""
    return gateway_app.extensions["gateway"].services["billing"].session.get_adapter("http://billing").asked


def issue_invoice(org_id: str, customer_id: str, total_minor: int = 12000, currency: str = "EUR",
                  due: date | None = None, **extra) -> dict:
    """An issued invoice, made the way an ERP or the console makes one (billing's staff API)."""
    client = billing_app().test_client()
    body = {"customer_id": customer_id, "currency": currency, "issue": True,
            "lines": [{"description": "Consulting", "quantity": "1", "unit_price_minor": total_minor,
                       "tax_rate": "0"}], **extra}
    if due:
        body["due_date"] = due.isoformat()
    answer = client.post(f"/orgs/{org_id}/invoices", json=body,
                         headers=bearer("staff", org_id, id=str(uuid.uuid4())))
    assert answer.status_code in (200, 201), answer.get_json()
    return answer.get_json()


def pay_invoice(org_id: str, customer_id: str, invoice_id: str, method: str = "card", gateway: str | None = None) -> dict:
    """A payment a contact of the customer made (the simulated gateway: a card settles at once)."""
    client = billing_app().test_client()
    contact = bearer("contact", org_id, id=str(uuid.uuid4()), customer_id=customer_id,
                     permissions=("view", "pay"), modules=("invoices", "payments"))
    answer = client.post(f"/orgs/{org_id}/customers/{customer_id}/payments", headers=contact, json={
        "invoices": [{"invoice_id": invoice_id}], "method": method, "return_url": "http://portal.test/",
        **({"gateway": gateway} if gateway else {})})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def payments_of(org_id: str, customer_id: str, invoice_id: str) -> list[dict]:
    """The invoice's payments, newest first, as its customer sees them."""
    client = billing_app().test_client()
    contact = bearer("contact", org_id, id=str(uuid.uuid4()), customer_id=customer_id,
                     permissions=("view",), modules=("invoices",))
    answer = client.get(f"/orgs/{org_id}/customers/{customer_id}/invoices/{invoice_id}", headers=contact)
    return answer.get_json()["payments"]


def simulate(org_id: str, payment_id: str, outcome: str) -> dict:
    """Staff settle or fail a pending payment of the simulated gateway."""
    answer = billing_app().test_client().post(f"/orgs/{org_id}/payments/{payment_id}/simulate",
                                              json={"outcome": outcome},
                                              headers=bearer("staff", org_id, id=str(uuid.uuid4())))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


@contextmanager
def org_settings(org_id: str, **settings):
    """Billing's copy of the org's settings (identity's events bring it in production)."""
    from sqlalchemy import delete, insert
    from services.chassis.orgs import known_orgs
    engine = billing_app().extensions["portal"].engine
    with engine.begin() as conn:
        conn.execute(delete(known_orgs).where(known_orgs.c.org_id == org_id))
        conn.execute(insert(known_orgs).values(org_id=org_id, name="Org", host=None,
                                               settings={"modules": ["invoices", "payments"], **settings}))
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(delete(known_orgs).where(known_orgs.c.org_id == org_id))


def staff_payment(org_id: str, payment_id: str) -> dict:
    """The payment as staff see it (with the gateway's reference)."""
    answer = billing_app().test_client().get(f"/orgs/{org_id}/payments/{payment_id}",
                                             headers=bearer("staff", org_id, id=str(uuid.uuid4())))
    return answer.get_json()


def refund(org_id: str, payment_id: str, amount_minor: int, **extra) -> dict:
    """Staff refund part or all of a payment (`reopen_invoice=True`: reverse it)."""
    answer = billing_app().test_client().post(f"/orgs/{org_id}/payments/{payment_id}/refund",
                                              json={"amount_minor": amount_minor, **extra},
                                              headers=bearer("staff", org_id, id=str(uuid.uuid4())))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def payment_status(org_id: str, payment_id: str) -> str:
    return staff_payment(org_id, payment_id)["status"]


def allow_forwarding(org_id: str) -> None:
    """Billing's copy of the org with `forward_documents` on (identity's events bring it in production)."""
    from sqlalchemy import delete, insert
    from services.chassis.orgs import known_orgs
    with billing_app().extensions["portal"].engine.begin() as conn:
        conn.execute(delete(known_orgs).where(known_orgs.c.org_id == org_id))
        conn.execute(insert(known_orgs).values(org_id=org_id, name="Org", host=None, settings={
            "modules": ["invoices", "payments"], "forward_documents": True}))


def recorded(type_: str, invoice_id: str) -> list[dict]:
    """The data of billing's events of this type on the invoice's stream, oldest first."""
    from sqlalchemy import select
    from services.chassis.tables import events
    with billing_app().extensions["portal"].engine.connect() as conn:
        return [r.data for r in conn.execute(select(events.c.data).where(
            events.c.type == type_, events.c.stream_id == invoice_id).order_by(events.c.position))]


def issue_credit_note(org_id: str, customer_id: str, amount_minor: int = 5000, currency: str = "EUR",
                      **extra) -> dict:
    """A credit note, issued the way staff or an ERP issue one (billing's staff API)."""
    answer = billing_app().test_client().post(
        f"/orgs/{org_id}/credit-notes", headers=bearer("staff", org_id, id=str(uuid.uuid4())),
        json={"customer_id": customer_id, "currency": currency, "amount_minor": amount_minor, **extra})
    assert answer.status_code in (200, 201), answer.get_json()
    return answer.get_json()


def staff_credit(org_id: str, credit_note_id: str, action: str, body: dict) -> dict:
    """Apply (`apply`) or refund (`refund`) credit of a note as staff."""
    answer = billing_app().test_client().post(f"/orgs/{org_id}/credit-notes/{credit_note_id}/{action}", json=body,
                                              headers=bearer("staff", org_id, id=str(uuid.uuid4())))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def staff_invoice(org_id: str, invoice_id: str) -> dict:
    """The invoice as staff see it (drafts too); a problem body (`status` 404) when there is none."""
    answer = billing_app().test_client().get(f"/orgs/{org_id}/invoices/{invoice_id}",
                                             headers=bearer("staff", org_id, id=str(uuid.uuid4())))
    return answer.get_json()


def staff_invoices(org_id: str, **query) -> list[dict]:
    """The first page of the org's invoices as staff see it (drafts too), newest first."""
    answer = billing_app().test_client().get(f"/orgs/{org_id}/invoices", query_string=query,
                                             headers=bearer("staff", org_id, id=str(uuid.uuid4())))
    return answer.get_json()["items"]


def connect_stripe(org_id: str, secret_key: str = "sk_test_matrixKey0001", webhook_secret: str = "whsec_matrix") -> dict:
    """The org's own Stripe keys saved as an owner saves them in the console (BILLING_SECRETS_KEY must be set)."""
    answer = billing_app().test_client().put(f"/orgs/{org_id}/gateway-connections/stripe",
                                             json={"secret_key": secret_key, "webhook_secret": webhook_secret},
                                             headers=bearer("staff", org_id, id=str(uuid.uuid4())))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def gateway_connections(org_id: str) -> dict:
    """The org's gateway connections as an owner sees them: {gateway: connection} (no secrets)."""
    answer = billing_app().test_client().get(f"/orgs/{org_id}/gateway-connections",
                                             headers=bearer("staff", org_id, id=str(uuid.uuid4())))
    return {c["gateway"]: c for c in answer.get_json()["items"]}


def reminders(org_id: str) -> dict:
    """The org's payment reminder schedule as an owner sees it."""
    return billing_app().test_client().get(f"/orgs/{org_id}/reminders",
                                           headers=bearer("staff", org_id, id=str(uuid.uuid4()))).get_json()


def leave_out_of_reminders(org_id: str, customer_id: str) -> None:
    answer = billing_app().test_client().put(f"/orgs/{org_id}/customers/{customer_id}/reminders",
                                             json={"enabled": False},
                                             headers=bearer("staff", org_id, id=str(uuid.uuid4())))
    assert answer.status_code == 200, answer.get_json()
