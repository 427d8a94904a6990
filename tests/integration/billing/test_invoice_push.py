"""ERPs pushing invoices, one at a time and in batches (POST /orgs/{org}/invoices/batch), on
SQLite and PostgreSQL: 16 clients at once over real HTTP never meet a 409 and leave every
number used once with none missing; a batch answers each item on its own, is idempotent per
external_ref, and its events reach the outbox and the broker like the single create's."""
from __future__ import annotations

import json
import threading
import uuid

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from services.billing.bootstrap import SPEC
from services.billing.projections.invoices import invoices
from services.chassis.relay import OutboxRelay
from services.chassis.tables import events
from tests.helpers.kafka import read_topic
from tests.helpers.problems import problem
from tests.helpers.standin import QuietHandler
from tests.helpers.tokens import bearer
from tests.integration.billing.test_invoices import LINE, ORG, Billing

CLIENTS = 16


def item(ref=None, **extra):
    return {"customer_id": "cust-1", "currency": "EUR", "lines": [LINE], "issue": True,
            **({"external_ref": ref} if ref else {}), **extra}


@pytest.fixture
def billing(make_runtime, db_kind):
    return Billing(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


@pytest.fixture
def served(billing):
    """billing's real app behind a real threaded HTTP server on loopback."""
    server = make_server("127.0.0.1", 0, billing.app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield billing, f"http://127.0.0.1:{server.server_port}/orgs/{ORG}/invoices"
    finally:
        server.shutdown()
        server.server_close()


def push(billing, items):
    return billing.client.post(f"/orgs/{ORG}/invoices/batch", headers=billing.staff, json={"invoices": items})


def issued_numbers(billing) -> list[str]:
    with billing.rt.engine.connect() as conn:
        return list(conn.execute(select(invoices.c.number).where(
            invoices.c.org_id == ORG, invoices.c.status != "draft")).scalars())


def test_sixteen_clients_pushing_at_once_get_every_number_once_none_missing_no_409(served):
    billing, url = served
    answers, failures = [], []

    def client(k: int) -> None:
        """Single creates and batches mixed; every client also pushes refs another one pushes."""
        with requests.Session() as http:
            for round_ in range(6):
                try:
                    if round_ % 3 == 2:
                        body = {"invoices": [item(f"B-{k}-{round_}-{i}") for i in range(20)]
                                + [item(f"SHARED-{round_}-{i}") for i in range(3)]
                                + [item(issue=False)]}
                        answer = http.post(url + "/batch", json=body, headers=billing.staff, timeout=120)
                        results = answer.json().get("results", []) if answer.ok else []
                        answers.append((answer.status_code, [r["status"] for r in results], results))
                    else:
                        ref = f"SHARED-single-{round_}" if k % 4 == 0 else f"S-{k}-{round_}"
                        answer = http.post(url, json=item(ref), headers=billing.staff, timeout=120)
                        answers.append((answer.status_code, [], [{"invoice": answer.json()}]))
                except Exception as exc:  # noqa: BLE001 - reported below
                    failures.append(repr(exc))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert failures == []
    assert {status for status, _, _ in answers} <= {200, 201}, [a for a in answers if a[0] not in (200, 201)][:3]
    assert {s for _, statuses, _ in answers for s in statuses} <= {200, 201}
    numbers = issued_numbers(billing)
    assert sorted(numbers) == [f"INV-{n:06d}" for n in range(1, len(numbers) + 1)]     # each once, none missing
    # each external_ref made one invoice, whoever pushed it and however often
    by_ref: dict[str, set] = {}
    for _, _, results in answers:
        for r in results:
            if r["invoice"].get("external_ref"):
                by_ref.setdefault(r["invoice"]["external_ref"], set()).add(r["invoice"]["invoice_id"])
    assert all(len(ids) == 1 for ids in by_ref.values())
    expected = CLIENTS * 2 * 20 + 2 * 3 + 4 + CLIENTS * 4 - (CLIENTS // 4) * 4
    assert len(numbers) == expected == len(billing.events("InvoiceIssued"))
    with billing.rt.engine.connect() as conn:
        drafts = conn.execute(select(func.count()).where(invoices.c.org_id == ORG,
                                                         invoices.c.status == "draft")).scalar()
    assert drafts == CLIENTS * 2


def test_a_batch_answers_each_item_and_refused_ones_leave_no_gap(billing):
    before = billing.create(external_ref="ERP-OLD", number="ACME-1")
    answer = push(billing, [
        item("ERP-1"),
        {"customer_id": "cust-1", "lines": [LINE]},                     # no currency
        "not an invoice",
        item("ERP-2", number="ACME-1"),                                 # a number that is taken
        item("ERP-3", issue=False),                                     # a draft
        item("ERP-1"),                                                  # again, in the same batch
        item("ERP-OLD"),                                                # pushed before
        item("ERP-4", lines=[{**LINE, "quantity": "-1"}]),              # the domain refuses it
        item("ERP-5", number="SAME-9"), item("ERP-6", number="same-9"),   # one number twice
        item("ERP-7"),
    ])
    assert answer.status_code == 200
    body = answer.get_json()
    results = body["results"]
    assert [r["status"] for r in results] == [201, 422, 422, 409, 201, 200, 200, 422, 201, 409, 201]
    assert [r["index"] for r in results] == list(range(11))
    assert (body["created"], body["existing"], body["refused"]) == (4, 2, 5)
    assert results[0]["invoice"]["number"] == "INV-000001" and results[10]["invoice"]["number"] == "INV-000002"
    assert results[4]["invoice"]["status"] == "draft" and results[4]["invoice"]["number"] is None
    assert results[5]["invoice"] == results[0]["invoice"]
    assert results[6]["invoice"]["invoice_id"] == before["invoice_id"]
    assert results[8]["invoice"]["number"] == "SAME-9"
    missing = results[1]["problem"]
    assert (missing["status"], missing["title"]) == (422, "Unprocessable Entity")
    assert "currency" in missing["errors"]["json"] and "invoice" not in results[1]
    assert results[2]["problem"]["errors"]["json"] == {"_schema": ["Each invoice is a JSON object."]}
    assert results[3]["problem"]["errors"]["json"] == {"number": ["Invoice number ACME-1 is already used."]}
    assert results[3]["external_ref"] == "ERP-2" and "invoice" not in results[3]
    assert "lines" in results[7]["problem"]["errors"]["json"]
    assert results[9]["problem"]["status"] == 409
    assert len(billing.events("InvoiceIssued")) == 1 + 3

    again = push(billing, [item("ERP-1"), item("ERP-3"), item("ERP-7"), item("ERP-8")]).get_json()
    assert [r["status"] for r in again["results"]] == [200, 200, 200, 201]
    assert again["results"][0]["invoice"] == results[0]["invoice"]
    assert again["results"][3]["invoice"]["number"] == "INV-000003"        # no gap where items were refused
    assert sorted(n for n in issued_numbers(billing) if n.startswith("INV-")) == [
        "INV-000001", "INV-000002", "INV-000003"]


def test_a_batch_is_1_to_500_invoices_and_may_be_larger_than_1_mib(billing):
    problem(push(billing, []), 422)
    too_many = problem(push(billing, [item()] * 501), 413)
    assert "invoices" in too_many["errors"]["json"]
    problem(billing.client.post(f"/orgs/{ORG}/invoices/batch", headers=billing.staff, json=[item()]), 422)
    problem(billing.client.post(f"/orgs/{ORG}/invoices/batch", headers=billing.staff,
                                json={"invoices": [item()], "extra": 1}), 422)
    lines = [{**LINE, "description": f"Line {n} " + "x" * 200} for n in range(10)]
    big = [item(f"BIG-{i}", lines=lines) for i in range(500)]
    assert len(json.dumps({"invoices": big})) > 1024 * 1024
    answer = push(billing, big)
    assert answer.status_code == 200 and answer.get_json()["created"] == 500
    assert sorted(issued_numbers(billing)) == [f"INV-{n:06d}" for n in range(1, 501)]
    # the staff's and API keys' declaration holds here too
    other_org = billing.contact("cust-1")
    problem(billing.client.post(f"/orgs/{ORG}/invoices/batch", headers=other_org, json={"invoices": [item()]}), 403)
    assert len(issued_numbers(billing)) == 500


def test_a_batchs_events_are_in_the_outbox_and_reach_the_broker(make_runtime, db_kind, own_broker):
    org = f"org-{uuid.uuid4().hex[:8]}"
    billing = Billing(make_runtime(SPEC, db_kind, kafka_bootstrap=own_broker.bootstrap))
    answer = billing.client.post(f"/orgs/{org}/invoices/batch", headers=bearer("staff", org, ttl_s=3600),
                                 json={"invoices": [item(f"K-{i}") for i in range(50)]})
    assert answer.get_json()["created"] == 50
    with billing.rt.engine.connect() as conn:
        rows = conn.execute(select(events.c.stream_id, events.c.published).where(
            events.c.org_id == org).order_by(events.c.position)).all()
    assert len(rows) == 50 and not any(published for _, published in rows)
    relay = OutboxRelay(billing.rt.engine, billing.rt.config)
    try:
        relay.drain()
    finally:
        relay.close()
    got = [m for m in read_topic(own_broker.bootstrap, "portal.billing.v1", expect=50)
           if m["value"]["org_id"] == org]
    numbers = sorted(m["value"]["data"]["number"] for m in got)
    assert numbers == [f"INV-{n:06d}" for n in range(1, 51)]
