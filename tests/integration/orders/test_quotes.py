"""documents' QuoteAccepted, as the contract has it, through orders' consumer on SQLite and
PostgreSQL: the customer finds a confirmed order for the quote's amount in their list; a
redelivered or replayed acceptance, also two at once, makes no second order; another org's
acceptance leaves this org alone; an acceptance from an older producer (no currency or
amount) makes none and is not an error."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from contracts.catalogue import validate_data
from services.chassis.consumer import DONE, ConsumerRunner
from services.chassis.events import Event
from services.orders.bootstrap import SPEC
from services.orders.handlers import quotes as quotes_handler
from tests.integration.orders.test_api import ORG, OTHER_ORG, Orders

TOPIC = "portal.documents.v1"
QUOTE = "doc-quote-1"


class Message:
    """What the consumer reads of a Kafka message."""

    def __init__(self, event: Event, offset: int = 0):
        self._value, self._offset = event.to_json(), offset

    def topic(self): return TOPIC
    def partition(self): return 0
    def offset(self): return self._offset
    def key(self): return QUOTE.encode()
    def value(self): return self._value
    def headers(self): return []


def accepted(org_id=ORG, document_id=QUOTE, **changes) -> Event:
    """The contract's QuoteAccepted (checked against it); a field given as `...` is left out,
    as a producer from before it existed leaves it out."""
    data = {"document_id": document_id, "customer_id": "cust-1", "contact_id": "contact-cust-1",
            "comment": "Please deliver before Christmas.", "external_ref": "CRM-Q-77", "version": 2,
            "document_sha256": "a" * 64, "title": "Office chairs, 12 pieces", "number": "Q-2026-077",
            "currency": "EUR", "amount_minor": 348000, **changes}
    return Event(type="QuoteAccepted", org_id=org_id, aggregate_type="Document", aggregate_id=document_id,
                 aggregate_version=3, data=validate_data("QuoteAccepted", {k: v for k, v in data.items()
                                                                          if v is not ...}),
                 occurred_at="2026-12-04T09:30:00+00:00", actor={"kind": "contact", "id": "contact-cust-1"})


@pytest.fixture
def quotes(make_runtime, db_kind):
    rt = make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1", consumer_retry_backoff_ms=20)
    orders = Orders(rt)
    orders.consumer = ConsumerRunner(rt.store, rt.config, rt.spec.subscriptions())
    return orders


def deliver(orders, event: Event) -> str:
    return orders.consumer.process(Message(event))


def test_an_accepted_quote_is_a_confirmed_order_for_its_amount_in_the_customers_list(quotes):
    assert deliver(quotes, accepted()) == DONE
    [order] = quotes.mine().get_json()["items"]
    assert (order["number"], order["status"], order["currency"], order["total_minor"]) == (
        "SO-000001", "confirmed", "EUR", 348000)
    seen = quotes.mine(f"/{order['sales_order_id']}").get_json()
    assert [(line["description"], line["quantity"], line["unit_price_minor"], line["tax_rate"], line["total_minor"])
            for line in seen["lines"]] == [("Quote Q-2026-077: Office chairs, 12 pieces", "1", 348000, "0", 348000)]
    assert seen["ordered_on"] == "2026-12-04" and seen["external_ref"] == f"quote:{QUOTE}"
    assert "Q-2026-077" in seen["notes"] and "Please deliver before Christmas." in seen["notes"]
    assert quotes.place()["number"] == "SO-000002"        # numbered with the org's other orders


def test_a_redelivered_or_replayed_acceptance_makes_no_second_order(quotes):
    first = accepted()
    assert deliver(quotes, first) == DONE
    assert deliver(quotes, first) == DONE                                  # redelivered: the same event
    replayed = Event(**{**first.envelope(), "event_id": str(uuid.uuid4())})   # published again, a new id
    assert deliver(quotes, replayed) == DONE
    assert quotes.count("SalesOrderPlaced") == 1 and len(quotes.mine().get_json()["items"]) == 1


def test_two_acceptances_of_one_quote_at_once_make_one_order(quotes, db_kind, monkeypatch, caplog):
    """Both look for the quote's order before either commits (PostgreSQL; SQLite serialises
    writers, so there the second simply finds the first's order)."""
    twins = [accepted(), accepted()]                                       # two event ids, one quote
    both_looked, calls = threading.Barrier(2), []
    place_in = quotes_handler.place_in

    def place_in_step(uow, cmd):
        found = place_in(uow, cmd)
        calls.append(found)
        if db_kind == "postgresql" and len(calls) <= 2:          # the first look of each, not a retry
            both_looked.wait(timeout=10)
        return found
    monkeypatch.setattr(quotes_handler, "place_in", place_in_step)
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda e: deliver(quotes, e), twins))
    assert outcomes == [DONE, DONE] and quotes.count("SalesOrderPlaced") == 1
    if db_kind == "postgresql":
        assert "failed (try 1)" in caplog.text                            # the loser ran again, found it


def test_another_orgs_acceptance_leaves_this_org_alone(quotes):
    assert deliver(quotes, accepted(org_id=OTHER_ORG)) == DONE
    assert quotes.mine().get_json()["items"] == []
    other = quotes.contact(org_id=OTHER_ORG)
    theirs = quotes.client.get(f"/orgs/{OTHER_ORG}/customers/cust-1/sales-orders", headers=other).get_json()
    assert [o["number"] for o in theirs["items"]] == ["SO-000001"]
    assert deliver(quotes, accepted()) == DONE                             # the same quote id here: its own order
    assert [o["number"] for o in quotes.mine().get_json()["items"]] == ["SO-000001"]


def test_an_acceptance_without_its_terms_makes_no_order_and_is_no_error(quotes, caplog):
    caplog.set_level("INFO", logger="services.orders.handlers.quotes")
    assert deliver(quotes, accepted(currency=..., amount_minor=..., title=..., number=..., version=...,
                                    document_sha256=...)) == DONE
    assert deliver(quotes, accepted(document_id="doc-2", amount_minor=None)) == DONE
    assert quotes.count("SalesOrderPlaced") == 0
    assert "without its currency and amount" in caplog.text


def test_a_quote_without_number_or_comment_is_named_by_its_title(quotes):
    assert deliver(quotes, accepted(number=None, comment=None)) == DONE
    [order] = quotes.mine().get_json()["items"]
    seen = quotes.mine(f"/{order['sales_order_id']}").get_json()
    assert seen["lines"][0]["description"] == "Office chairs, 12 pieces"
    assert "comment" not in seen["notes"] and QUOTE in seen["notes"]
