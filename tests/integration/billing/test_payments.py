"""billing's payments through its HTTP API and the simulated gateway, on SQLite and PostgreSQL:
contacts pay (card, declined card, bank debit), the duplicate-payment guard holds under 20
requests at once, partial and bulk payments follow the org's settings, gateway updates apply
once and only forward, staff refund and record offline payments, and nobody sees another
customer's payments."""
from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import insert, select, update

from services.billing.handlers import payments
from services.billing.adapters.simulated import SimulatedGateway, reference_for
from services.billing.app import create_app
from services.billing.bootstrap import SPEC
from services.billing.domain.payment_gateway import GatewayUpdate, WebhookRefused
from services.billing.projections.invoices import invoices
from services.billing.projections.paid import payment_allocations
from services.billing.projections.payments import invoice_payment_locks, payments as payments_table
from services.chassis.orgs import known_orgs
from services.chassis.projections import rebuild
from services.chassis.tables import events
from tests.helpers.problems import problem
from tests.helpers.tokens import bearer

ORG, OTHER_ORG = "org-acme", "org-other"
LINE = {"description": "Consulting", "quantity": "2.5", "unit_price_minor": 10000, "tax_rate": "20"}   # 30000


class Billing:
    def __init__(self, rt):
        self.rt, self.app = rt, create_app(rt.config)
        self.client = self.app.test_client()
        self.staff = bearer("staff", ORG, id="staff-1", ttl_s=3600)
        self.settings(partial=False, bulk=True)

    def settings(self, partial: bool, bulk: bool) -> None:
        values = {"partial_payments": partial, "bulk_payments": bulk, "modules": ["invoices", "payments"]}
        with self.rt.engine.begin() as conn:
            if conn.execute(select(known_orgs).where(known_orgs.c.org_id == ORG)).first() is None:
                conn.execute(insert(known_orgs).values(org_id=ORG, name="Acme", host=None, settings=values))
            else:
                conn.execute(update(known_orgs).where(known_orgs.c.org_id == ORG).values(settings=values))

    def contact(self, customer_id="cust-1", org_id=ORG, id="contact-1", permissions=("view", "pay"),
                modules=("invoices", "payments")):
        return bearer("contact", org_id, id=id, customer_id=customer_id, permissions=permissions,
                      modules=modules, ttl_s=3600)

    def invoice(self, customer_id="cust-1", currency="EUR", lines=(LINE,)):
        answer = self.client.post(f"/orgs/{ORG}/invoices", headers=self.staff, json={
            "customer_id": customer_id, "currency": currency, "lines": list(lines), "issue": True})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def pay(self, *invoice_ids, method="card", customer_id="cust-1", amounts=None, headers=None, client=None):
        body = {"invoices": [{"invoice_id": i, **({"amount_minor": amounts[n]} if amounts else {})}
                             for n, i in enumerate(invoice_ids)],
                "method": method, "return_url": "https://portal.example/pay/done"}
        return (client or self.client).post(f"/orgs/{ORG}/customers/{customer_id}/payments", json=body,
                                            headers=headers or self.contact(customer_id))

    def paid(self, *invoice_ids, **kwargs):
        answer = self.pay(*invoice_ids, **kwargs)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def shown(self, invoice_id, customer_id="cust-1"):
        answer = self.client.get(f"/orgs/{ORG}/customers/{customer_id}/invoices/{invoice_id}",
                                 headers=self.contact(customer_id, id="viewer"))
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    def staff_post(self, path, body=None, headers=None):
        return self.client.post(f"/orgs/{ORG}{path}", json=body or {}, headers=headers or self.staff)

    def staff_get(self, path, **params):
        return self.client.get(f"/orgs/{ORG}{path}", query_string=params, headers=self.staff)

    def events(self, type_):
        with self.rt.engine.connect() as conn:
            return conn.execute(select(events).where(events.c.type == type_).order_by(events.c.position)).all()

    def locks(self):
        with self.rt.engine.connect() as conn:
            return conn.execute(select(invoice_payment_locks)).all()


@pytest.fixture
def billing(make_runtime, db_kind):
    return Billing(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


def test_a_card_settles_at_once_and_the_invoice_shows_paid(billing):
    invoice = billing.invoice()
    payment = billing.paid(invoice["invoice_id"])
    assert (payment["status"], payment["amount_minor"], payment["currency"]) == ("settled", 30000, "EUR")
    assert payment["redirect_url"] is None and "gateway_reference" not in payment
    assert payment["allocations"] == [{"invoice_id": invoice["invoice_id"], "number": "INV-000001",
                                       "amount_minor": 30000, "refunded_minor": 0,
                                       "reopened_minor": 0}]
    shown = billing.shown(invoice["invoice_id"])
    assert (shown["status"], shown["amount_paid_minor"], shown["amount_due_minor"]) == ("paid", 30000, 0)
    assert [p["payment_id"] for p in shown["payments"]] == [payment["payment_id"]]
    assert [e["event"] for e in shown["timeline"]][:3] == ["issued", "payment_initiated", "payment_settled"]
    listed = billing.client.get(f"/orgs/{ORG}/customers/cust-1/invoices", headers=billing.contact()).get_json()
    assert listed["items"][0]["status"] == "paid"
    [settled] = billing.events("PaymentSettled")
    assert settled.data["gateway"] == "simulated" and settled.data["gateway_reference"].startswith("sim_")
    assert settled.meta["actor"] == {"kind": "contact", "id": "contact-1"}
    assert billing.locks() == []
    # the Invoice aggregate agrees with the read model: a paid invoice is not changed nor voided
    path = f"/invoices/{invoice['invoice_id']}"
    assert "paid" in problem(billing.client.patch(f"/orgs/{ORG}{path}", headers=billing.staff,
                                                  json={"notes": "x"}), 422)["detail"]
    problem(billing.staff_post(f"{path}/void"), 422)
    # paying a paid invoice again is refused
    assert "already paid" in problem(billing.pay(invoice["invoice_id"]), 422)["detail"]
    staff_view = billing.staff_get(f"/payments/{payment['payment_id']}").get_json()
    assert staff_view["gateway_reference"] == reference_for(payment["payment_id"])


def test_a_declined_card_leaves_the_invoice_payable(billing):
    invoice = billing.invoice()
    declined = billing.paid(invoice["invoice_id"], method="card_declined")
    assert (declined["status"], declined["failure_reason"]) == ("failed", "card_declined")
    assert billing.shown(invoice["invoice_id"])["status"] == "sent" and billing.locks() == []
    again = billing.paid(invoice["invoice_id"])
    assert again["status"] == "settled" and again["payment_id"] != declined["payment_id"]
    assert billing.shown(invoice["invoice_id"])["amount_due_minor"] == 0


def test_a_pending_bank_debit_blocks_a_second_payment_until_it_fails(billing):
    invoice = billing.invoice()
    debit = billing.paid(invoice["invoice_id"], method="bank_debit")
    assert debit["status"] == "pending"
    shown = billing.shown(invoice["invoice_id"])
    assert shown["status"] == "sent" and shown["payments"][0]["status"] == "pending"

    refused = problem(billing.pay(invoice["invoice_id"], method="card"), 409)
    assert re.fullmatch(r"A payment for INV-000001 is still being processed \(bank debit started \d{1,2} "
                        r"[A-Z][a-z]{2}\)\. You can pay again if it fails\.", refused["detail"]), refused
    assert refused["payment_id"] == debit["payment_id"] and refused["invoice_id"] == invoice["invoice_id"]
    problem(billing.pay(invoice["invoice_id"], method="bank_debit"), 409)        # the same again: refused too
    # staff cannot void or re-price it meanwhile
    problem(billing.staff_post(f"/invoices/{invoice['invoice_id']}/void"), 409)
    problem(billing.client.patch(f"/orgs/{ORG}/invoices/{invoice['invoice_id']}", headers=billing.staff,
                                 json={"lines": [LINE, LINE]}), 409)

    failed = billing.staff_post(f"/payments/{debit['payment_id']}/simulate", {"outcome": "failed"})
    assert failed.status_code == 200 and failed.get_json()["status"] == "failed"
    assert failed.get_json()["failure_reason"] == "debit_returned"
    problem(billing.staff_post(f"/payments/{debit['payment_id']}/simulate", {"outcome": "settled"}), 409)
    polled = billing.client.get(f"/orgs/{ORG}/customers/cust-1/payments/{debit['payment_id']}",
                                headers=billing.contact()).get_json()
    assert polled["status"] == "failed"

    card = billing.paid(invoice["invoice_id"], method="card")
    assert card["status"] == "settled"
    shown = billing.shown(invoice["invoice_id"])
    assert shown["status"] == "paid" and [p["status"] for p in shown["payments"]] == ["settled", "failed"]
    history = billing.client.get(f"/orgs/{ORG}/customers/cust-1/payments", headers=billing.contact(),
                                 query_string={"invoice_id": invoice["invoice_id"]}).get_json()
    assert [p["payment_id"] for p in history["items"]] == [card["payment_id"], debit["payment_id"]]


def test_staff_settle_a_pending_bank_debit(billing):
    invoice = billing.invoice()
    debit = billing.paid(invoice["invoice_id"], method="bank_debit")
    agent = bearer("staff", ORG, id="staff-2", role="agent")
    settled = billing.staff_post(f"/payments/{debit['payment_id']}/simulate", {"outcome": "settled"}, agent)
    assert settled.status_code == 200 and settled.get_json()["status"] == "settled"
    assert billing.shown(invoice["invoice_id"])["status"] == "paid"
    other = billing.invoice()
    problem(billing.staff_post("/payments/offline", {"customer_id": "cust-1", "method": "cash",
                                                     "invoices": [{"invoice_id": other["invoice_id"]}]}, agent), 403)
    assert billing.shown(other["invoice_id"])["status"] == "sent"      # an agent cannot mark it paid
    offline = billing.staff_post("/payments/offline", {"customer_id": "cust-1", "method": "cash",
                                                       "invoices": [{"invoice_id": other["invoice_id"]}]})
    problem(billing.staff_post(f"/payments/{offline.get_json()['payment_id']}/simulate", {"outcome": "settled"}), 409)
    problem(billing.staff_post(f"/payments/{debit['payment_id']}/simulate", {"outcome": "settled"},
                               bearer("api_key", ORG, modules=("payments",))), 403)


def test_partial_payments_only_where_the_org_allows_them(billing):
    invoice = billing.invoice()
    refused = problem(billing.pay(invoice["invoice_id"], amounts=[10000]), 422)
    assert "in full" in refused["detail"]
    billing.settings(partial=True, bulk=True)
    problem(billing.pay(invoice["invoice_id"], amounts=[30001]), 422)             # more than is due
    problem(billing.pay(invoice["invoice_id"], amounts=[0]), 422)
    billing.paid(invoice["invoice_id"], amounts=[10000])
    shown = billing.shown(invoice["invoice_id"])
    assert (shown["status"], shown["amount_paid_minor"], shown["amount_due_minor"]) == ("partially_paid", 10000, 20000)
    rest = billing.paid(invoice["invoice_id"])                                      # the amount due by default
    assert rest["amount_minor"] == 20000 and billing.shown(invoice["invoice_id"])["status"] == "paid"


def test_a_bulk_payment_is_allocated_across_invoices_and_refused_when_one_is_blocked(billing):
    first, second, third = billing.invoice(), billing.invoice(lines=[{**LINE, "quantity": "1"}]), billing.invoice()
    billing.settings(partial=False, bulk=False)
    assert "one at a time" in problem(billing.pay(first["invoice_id"], second["invoice_id"]), 422)["detail"]
    billing.settings(partial=False, bulk=True)
    bulk = billing.paid(first["invoice_id"], second["invoice_id"])
    assert bulk["amount_minor"] == 30000 + 12000
    assert [(a["number"], a["amount_minor"]) for a in bulk["allocations"]] == [("INV-000001", 30000),
                                                                             ("INV-000002", 12000)]
    assert {billing.shown(i["invoice_id"])["status"] for i in (first, second)} == {"paid"}
    assert len(billing.events("PaymentInitiated")) == 1

    fourth = billing.invoice()
    debit = billing.paid(third["invoice_id"], method="bank_debit")
    refused = problem(billing.pay(fourth["invoice_id"], third["invoice_id"]), 409)
    assert "INV-000003" in refused["detail"] and refused["payment_id"] == debit["payment_id"]
    assert billing.paid(fourth["invoice_id"])["status"] == "settled"             # alone it is payable
    usd = billing.invoice(currency="USD")
    billing.staff_post(f"/payments/{debit['payment_id']}/simulate", {"outcome": "failed"})
    assert "same currency" in problem(billing.pay(third["invoice_id"], usd["invoice_id"]), 422)["detail"]
    problem(billing.pay(third["invoice_id"], third["invoice_id"]), 422)          # twice in one payment


def test_the_same_gateway_update_twice_changes_nothing_and_late_updates_never_go_back(billing):
    invoice = billing.invoice()
    debit = billing.paid(invoice["invoice_id"], method="bank_debit")
    reference = reference_for(debit["payment_id"])
    settled = GatewayUpdate(event_id="evt-1", reference=reference, payment_id=None, status="settled",
                            amount_minor=30000, currency="EUR")
    assert payments.apply_update(billing.rt, ORG, settled) == "applied"
    assert payments.apply_update(billing.rt, ORG, settled) == "duplicate"
    assert len(billing.events("PaymentSettled")) == 1
    shown = billing.shown(invoice["invoice_id"])
    assert (shown["status"], shown["amount_paid_minor"]) == ("paid", 30000)
    # a late "pending", then a "failed", each with its own event id: seen, nothing changes
    for n, status in enumerate(("pending", "failed"), start=2):
        late = GatewayUpdate(event_id=f"evt-{n}", reference=reference, payment_id=debit["payment_id"],
                             status=status, failure_reason="late")
        assert payments.apply_update(billing.rt, ORG, late) == "unchanged"
    assert billing.staff_get(f"/payments/{debit['payment_id']}").get_json()["status"] == "settled"
    assert billing.events("PaymentFailed") == [] and len(billing.events("PaymentPending")) == 1
    with pytest.raises(payments.UnknownPayment):
        payments.apply_update(billing.rt, ORG, GatewayUpdate("evt-9", "sim_nope", None, "settled"))
    with pytest.raises(payments.UnknownPayment):                                 # another org's payment
        payments.apply_update(billing.rt, OTHER_ORG, GatewayUpdate("evt-10", reference, debit["payment_id"],
                                                                   "failed"))


def test_settled_before_pending_out_of_order_settles_once(billing):
    invoice = billing.invoice()
    debit = billing.paid(invoice["invoice_id"], method="bank_debit")
    reference = reference_for(debit["payment_id"])
    # concurrent deliveries of one event: exactly one applies
    update_ = GatewayUpdate("evt-a", reference, debit["payment_id"], "settled")
    outcomes = []
    threads = [threading.Thread(target=lambda: outcomes.append(payments.apply_update(billing.rt, ORG, update_)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["applied", "duplicate", "duplicate", "duplicate"]
    assert payments.apply_update(billing.rt, ORG, GatewayUpdate("evt-b", reference, None, "pending")) == "unchanged"
    assert billing.shown(invoice["invoice_id"])["amount_paid_minor"] == 30000


def test_reversing_refunds_lower_what_was_paid_and_never_exceed_it(billing):
    """Refunds that reopen the invoices (staff reverse the payment): they owe it again."""
    first, second = billing.invoice(), billing.invoice()
    bulk = billing.paid(first["invoice_id"], second["invoice_id"])
    path = f"/payments/{bulk['payment_id']}/refund"
    reverse = {"reopen_invoice": True}
    problem(billing.staff_post(path, {"amount_minor": 100}, bearer("staff", ORG, role="agent")), 403)
    problem(billing.staff_post(path, {"amount_minor": 60001, **reverse}), 422)
    refunded = billing.staff_post(path, {"amount_minor": 40000, "reason": "Cheque bounced", **reverse})
    assert refunded.status_code == 200, refunded.get_json()
    body = refunded.get_json()
    assert (body["status"], body["refunded_minor"]) == ("refunded", 40000)
    # the last invoice first: the second is back to unpaid, the first partly
    assert billing.shown(second["invoice_id"])["status"] == "sent"
    shown = billing.shown(first["invoice_id"])
    assert (shown["status"], shown["amount_paid_minor"], shown["amount_due_minor"]) == ("partially_paid", 20000, 10000)
    [event] = billing.events("PaymentRefunded")
    assert event.data["allocations"] == [{"invoice_id": second["invoice_id"], "amount_minor": 30000},
                                         {"invoice_id": first["invoice_id"], "amount_minor": 10000}]
    assert event.data["gateway_refund_id"].startswith("sim_re_") and event.data["reopens_invoice"] is True
    assert "20000" in problem(billing.staff_post(path, {"amount_minor": 20001, **reverse}), 422)["detail"]
    assert billing.staff_post(path, {"amount_minor": 20000, **reverse}).get_json()["refunded_minor"] == 60000
    problem(billing.staff_post(path, {"amount_minor": 1, **reverse}), 422)
    assert billing.shown(first["invoice_id"])["amount_paid_minor"] == 0
    # a refund made at the gateway (cumulative amount) is recorded once, ours never twice;
    # the gateway's own refund gives money back without reopening the invoice
    third = billing.invoice()
    card = billing.paid(third["invoice_id"])
    assert billing.staff_post(f"/payments/{card['payment_id']}/refund",
                              {"amount_minor": 5000, **reverse}).status_code == 200
    at_gateway = GatewayUpdate("evt-r1", reference_for(card["payment_id"]), None, "refunded", amount_minor=5000)
    assert payments.apply_update(billing.rt, ORG, at_gateway) == "unchanged"
    more = GatewayUpdate("evt-r2", reference_for(card["payment_id"]), None, "refunded", amount_minor=12000)
    assert payments.apply_update(billing.rt, ORG, more) == "applied"
    assert billing.shown(third["invoice_id"])["amount_paid_minor"] == 25000
    assert billing.events("PaymentRefunded")[-1].data["reopens_invoice"] is False
    pending = billing.paid(billing.invoice()["invoice_id"], method="bank_debit")
    problem(billing.staff_post(f"/payments/{pending['payment_id']}/refund", {"amount_minor": 1}), 422)


def test_a_partial_refund_gives_money_back_and_the_invoice_stays_paid(billing):
    """Issue 18: €85 of a €585 payment refunded. The invoice stays paid (nothing to pay
    again), shows what went back, and the refund is applied once however often it is sent."""
    invoice = billing.invoice(lines=({"description": "Repair", "quantity": "1", "unit_price_minor": 58500,
                                      "tax_rate": "0"},))
    payment = billing.paid(invoice["invoice_id"])
    path = f"/payments/{payment['payment_id']}/refund"
    body = {"amount_minor": 8500, "reason": "Part returned", "request_id": "refund-form-0001"}
    refunded = billing.staff_post(path, body)
    assert refunded.status_code == 200, refunded.get_json()
    assert (refunded.get_json()["status"], refunded.get_json()["refunded_minor"]) == ("refunded", 8500)
    assert billing.staff_post(path, body).get_json()["refunded_minor"] == 8500      # the same request: once
    [event] = billing.events("PaymentRefunded")
    assert event.data["reopens_invoice"] is False
    shown = billing.shown(invoice["invoice_id"])
    assert (shown["status"], shown["amount_paid_minor"], shown["amount_due_minor"], shown["refunded_minor"]) == \
        ("paid", 58500, 0, 8500)
    [row] = shown["payments"]
    assert (row["amount_minor"], row["refunded_minor"], row["reopened_minor"]) == (58500, 8500, 0)
    assert [(e["amount_minor"], e["reopens_invoice"]) for e in shown["timeline"]
            if e["event"] == "payment_refunded"] == [(8500, False)]
    listed = billing.client.get(f"/orgs/{ORG}/customers/cust-1/invoices", headers=billing.contact()).get_json()
    assert (listed["items"][0]["status"], listed["items"][0]["amount_due_minor"]) == ("paid", 0)
    assert "already paid" in problem(billing.pay(invoice["invoice_id"]), 422)["detail"]     # nothing to pay again
    # the same request id with the other choice is another refund: refused, not applied
    problem(billing.staff_post(path, {**body, "reopen_invoice": True}), 422)
    # staff reverse 100.00 more on purpose: that much is owed again
    reversed_ = billing.staff_post(path, {"amount_minor": 10000, "reopen_invoice": True})
    assert (reversed_.get_json()["refunded_minor"], reversed_.get_json()["reopened_minor"]) == (18500, 10000)
    shown = billing.shown(invoice["invoice_id"])
    assert (shown["status"], shown["amount_paid_minor"], shown["amount_due_minor"], shown["refunded_minor"]) == \
        ("partially_paid", 48500, 10000, 8500)
    assert shown["payments"][0]["reopened_minor"] == 10000
    assert [e["reopens_invoice"] for e in shown["timeline"] if e["event"] == "payment_refunded"] == [False, True]


def test_reversing_a_payment_reopens_its_invoice(billing):
    invoice = billing.invoice(lines=({"description": "Repair", "quantity": "1", "unit_price_minor": 58500,
                                      "tax_rate": "0"},))
    payment = billing.paid(invoice["invoice_id"])
    answer = billing.staff_post(f"/payments/{payment['payment_id']}/refund",
                                {"amount_minor": 8500, "reopen_invoice": True})
    assert answer.status_code == 200, answer.get_json()
    shown = billing.shown(invoice["invoice_id"])
    assert (shown["status"], shown["amount_paid_minor"], shown["amount_due_minor"], shown["refunded_minor"]) == \
        ("partially_paid", 50000, 8500, 0)
    assert billing.pay(invoice["invoice_id"], amounts=None).status_code == 201       # the customer may pay it again


def test_offline_payments_are_recorded_by_staff(billing):
    invoice = billing.invoice()
    recorded = billing.staff_post("/payments/offline", {
        "customer_id": "cust-1", "method": "bank_transfer", "reference": "SEPA 2024-117",
        "invoices": [{"invoice_id": invoice["invoice_id"], "amount_minor": 10000}]})
    assert recorded.status_code == 201, recorded.get_json()
    body = recorded.get_json()
    assert (body["gateway"], body["method"], body["status"], body["gateway_reference"]) == (
        "offline", "bank_transfer", "settled", "SEPA 2024-117")
    assert billing.shown(invoice["invoice_id"])["status"] == "partially_paid"   # staff may record part
    api_key = bearer("api_key", ORG, id="key-1", modules=("payments",))
    erp = billing.staff_post("/payments/offline", {"customer_id": "cust-1", "method": "cheque",
                                                   "invoices": [{"invoice_id": invoice["invoice_id"]}]}, api_key)
    assert erp.status_code == 201 and erp.get_json()["amount_minor"] == 20000
    assert billing.shown(invoice["invoice_id"])["status"] == "paid"
    reversed_ = billing.staff_post(f"/payments/{body['payment_id']}/refund",
                                   {"amount_minor": 10000, "reopen_invoice": True})    # the bank transfer came back
    assert reversed_.status_code == 200
    assert billing.shown(invoice["invoice_id"])["amount_due_minor"] == 10000
    other = billing.invoice()
    billing.paid(other["invoice_id"], method="bank_debit")
    problem(billing.staff_post("/payments/offline", {"customer_id": "cust-1", "method": "cash",
                                                     "invoices": [{"invoice_id": other["invoice_id"]}]}), 409)
    problem(billing.staff_post("/payments/offline", {"customer_id": "cust-2", "method": "cash",
                                                     "invoices": [{"invoice_id": other["invoice_id"]}]}), 404)
    problem(billing.staff_post("/payments/offline", {"customer_id": "cust-1", "method": "card",
                                                     "invoices": [{"invoice_id": other["invoice_id"]}]}), 422)
    problem(billing.client.get(f"/orgs/{ORG}/payments", headers=bearer("api_key", ORG, modules=("invoices",))), 403)
    listed = billing.staff_get("/payments", gateway="offline").get_json()["items"]
    assert {p["method"] for p in listed} == {"bank_transfer", "cheque"}


@pytest.mark.parametrize("method", ["bank_debit", "card"])
def test_twenty_pay_requests_at_once_create_exactly_one_payment(billing, method):
    invoice = billing.invoice()
    answers, errors = [], []
    start = threading.Barrier(20)

    def pay(n):
        try:
            client = billing.app.test_client()
            start.wait()
            answer = billing.pay(invoice["invoice_id"], method=method, client=client,
                                 headers=billing.contact(id=f"contact-{n % 2}"))
            answers.append((answer.status_code, answer.get_json()))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=pay, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(billing.events("PaymentInitiated")) == 1
    statuses = [status for status, _ in answers]
    assert statuses.count(201) == 1 and set(statuses) <= {200, 201, 409, 422}, answers
    [created] = [body for status, body in answers if status == 201]
    # a 200 is the same payment resumed; a 409 names it
    assert all(body["payment_id"] == created["payment_id"] for status, body in answers if status in (200, 409))
    with billing.rt.engine.connect() as conn:
        assert len(conn.execute(select(payments_table)).all()) == 1
        assert len(conn.execute(select(payment_allocations)).all()) == 1
    expected = "paid" if method == "card" else "sent"
    assert billing.shown(invoice["invoice_id"])["status"] == expected


def test_an_initiated_payment_is_resumed_not_doubled(billing):
    invoice = billing.invoice()

    class Unreachable(SimulatedGateway):
        def start(self, request):
            raise ConnectionError("gateway down")
    gateways = billing.app.extensions["portal"].ports["gateways"]
    gateways.register("simulated", lambda rt, org_id: Unreachable(rt.engine))
    try:
        problem(billing.pay(invoice["invoice_id"], method="card"), 502)
    finally:
        gateways._factories.pop("simulated")          # the gateway is back
    [down] = billing.shown(invoice["invoice_id"])["payments"]
    assert down["status"] == "initiated"
    stuck = problem(billing.pay(invoice["invoice_id"], method="bank_debit"), 409)   # another request: refused
    assert "not finished" in stuck["detail"] and stuck["payment_id"] == down["payment_id"]
    resumed = billing.pay(invoice["invoice_id"], method="card", headers=billing.contact(id="contact-2"))
    assert resumed.status_code == 200, resumed.get_json()
    assert resumed.get_json()["payment_id"] == down["payment_id"] and resumed.get_json()["status"] == "settled"
    assert len(billing.events("PaymentInitiated")) == 1
    assert billing.shown(invoice["invoice_id"])["status"] == "paid"


def test_another_customers_or_orgs_payments_are_a_404(billing):
    mine, theirs = billing.invoice("cust-1"), billing.invoice("cust-2")
    paid = billing.paid(mine["invoice_id"])
    other = billing.contact("cust-2", id="contact-9")
    problem(billing.pay(mine["invoice_id"], customer_id="cust-2", headers=other), 404)     # not their invoice
    problem(billing.pay(theirs["invoice_id"], customer_id="cust-2", headers=billing.contact()), 404)  # not theirs
    problem(billing.client.get(f"/orgs/{ORG}/customers/cust-2/payments/{paid['payment_id']}", headers=other), 404)
    problem(billing.client.get(f"/orgs/{ORG}/customers/cust-1/payments/{paid['payment_id']}", headers=other), 404)
    assert billing.client.get(f"/orgs/{ORG}/customers/cust-2/payments", headers=other).get_json()["items"] == []
    other_org = bearer("contact", OTHER_ORG, id="c", customer_id="cust-1", permissions=("view", "pay"),
                       modules=("invoices", "payments"))
    problem(billing.client.get(f"/orgs/{OTHER_ORG}/customers/cust-1/payments/{paid['payment_id']}",
                               headers=other_org), 404)
    problem(billing.client.post(f"/orgs/{OTHER_ORG}/customers/cust-1/payments", headers=other_org,
                                json={"invoices": [{"invoice_id": mine["invoice_id"]}], "method": "card"}), 404)
    problem(billing.client.get(f"/orgs/{ORG}/payments/{paid['payment_id']}", headers=bearer("staff", OTHER_ORG)), 404)
    problem(billing.client.get(f"/orgs/{OTHER_ORG}/payments/{paid['payment_id']}",
                               headers=bearer("staff", OTHER_ORG)), 404)
    # contacts: paying needs "pay", the list needs the payments module; staff routes are not theirs
    problem(billing.pay(mine["invoice_id"], headers=billing.contact(permissions=("view",))), 403)
    problem(billing.client.get(f"/orgs/{ORG}/customers/cust-1/payments",
                               headers=billing.contact(modules=("invoices",))), 404)
    problem(billing.client.get(f"/orgs/{ORG}/payments", headers=billing.contact()), 403)
    draft = billing.client.post(f"/orgs/{ORG}/invoices", headers=billing.staff, json={
        "customer_id": "cust-1", "currency": "EUR", "lines": [LINE]}).get_json()
    problem(billing.pay(draft["invoice_id"]), 404)


@pytest.mark.parametrize("body", [
    {},
    {"invoices": [], "method": "card"},
    {"invoices": "INV-1", "method": "card"},
    {"invoices": [{"invoice_id": "x"}]},
    {"invoices": [{"invoice_id": "x"}], "method": "Card Number 4242"},
    {"invoices": [{"invoice_id": "x"}], "method": "cheque"},
    {"invoices": [{"invoice_id": "x", "amount_minor": 10.5}], "method": "card"},
    {"invoices": [{"invoice_id": "x", "amount_minor": "100"}], "method": "card"},
    {"invoices": [{"invoice_id": "x", "amount_minor": -1}], "method": "card"},
    {"invoices": [{"invoice_id": "x"}], "method": "card", "return_url": "javascript:alert(1)"},
    {"invoices": [{"invoice_id": "x"}], "method": "card", "gateway": "nowhere"},
    {"invoices": [{"invoice_id": "x"}], "method": "card", "status": "settled"},
    {"invoices": [{"invoice_id": "x"}] * 101, "method": "card"},
    {"invoices": [{"invoice_id": "x"}], "method": "card"},
])
def test_bad_input_is_a_4xx_problem_never_a_500(billing, body):
    billing.invoice()
    answer = billing.client.post(f"/orgs/{ORG}/customers/cust-1/payments", json=body, headers=billing.contact())
    assert 400 <= answer.status_code < 500 and answer.mimetype == "application/problem+json", answer.get_json()


def test_bad_staff_requests_are_4xx_problems(billing):
    paid = billing.paid(billing.invoice()["invoice_id"])
    path = f"/payments/{paid['payment_id']}"
    for body in ({}, {"amount_minor": 0}, {"amount_minor": "5"}, {"amount_minor": 1.5}, {"amount_minor": 1, "x": 1}):
        assert 400 <= billing.staff_post(f"{path}/refund", body).status_code < 500
    problem(billing.staff_post(f"{path}/simulate", {"outcome": "refunded"}), 422)
    problem(billing.staff_post("/payments/nope/refund", {"amount_minor": 1}), 404)
    problem(billing.staff_post("/payments/nope/simulate", {"outcome": "failed"}), 404)
    problem(billing.staff_get("/payments/nope"), 404)
    problem(billing.staff_get("/payments", cursor="garbage"), 400)
    problem(billing.staff_get("/payments", status="lost"), 422)
    broken = billing.client.post(f"/orgs/{ORG}/customers/cust-1/payments", data="{nope",
                                 headers={**billing.contact(), "Content-Type": "application/json"})
    problem(broken, 400)


def test_payment_lists_are_keyset_paged(billing):
    made = [billing.paid(billing.invoice()["invoice_id"])["payment_id"] for _ in range(7)]
    seen, cursor = [], None
    while True:
        page = billing.client.get(f"/orgs/{ORG}/customers/cust-1/payments", headers=billing.contact(),
                                  query_string={"limit": 3, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [p["payment_id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))
    assert [p["payment_id"] for p in billing.staff_get("/payments", customer_id="cust-1", status="settled",
                                                       limit=100).get_json()["items"]] == seen


def test_rebuilding_the_read_models_gives_the_same_payments_and_invoices(billing):
    first, second = billing.invoice(), billing.invoice()
    billing.paid(first["invoice_id"], method="card_declined")
    card = billing.paid(first["invoice_id"])
    billing.staff_post(f"/payments/{card['payment_id']}/refund", {"amount_minor": 100})
    billing.staff_post(f"/payments/{card['payment_id']}/refund", {"amount_minor": 250, "reopen_invoice": True})
    billing.paid(second["invoice_id"], method="bank_debit")
    assert billing.shown(first["invoice_id"])["amount_due_minor"] == 250
    tables = (invoices, payments_table, payment_allocations, invoice_payment_locks)
    with billing.rt.engine.connect() as conn:
        before = [sorted(map(repr, conn.execute(select(t)).all())) for t in tables]
    rebuild(billing.rt.store)
    with billing.rt.engine.connect() as conn:
        assert [sorted(map(repr, conn.execute(select(t)).all())) for t in tables] == before


def test_the_simulated_gateways_webhooks_are_signed(billing):
    gateway = SimulatedGateway(billing.rt.engine, webhook_secret="s3cret")
    update_ = GatewayUpdate("evt-w", "sim_x", "p-1", "settled", 100, "EUR")
    body, headers = gateway.webhook(update_)
    assert gateway.parse_webhook(body, headers) == update_
    with pytest.raises(WebhookRefused):
        gateway.parse_webhook(body.replace(b"settled", b"failed"), headers)
    with pytest.raises(WebhookRefused):
        SimulatedGateway(billing.rt.engine, webhook_secret="other").parse_webhook(body, headers)
    old_body, old_headers = gateway.webhook(update_, now=1_000_000)
    with pytest.raises(WebhookRefused):
        gateway.parse_webhook(old_body, old_headers)
    with pytest.raises(WebhookRefused):
        SimulatedGateway(billing.rt.engine).parse_webhook(body, headers)
