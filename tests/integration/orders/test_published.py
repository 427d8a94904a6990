"""orders' events leave through the chassis outbox relay to the real broker like every
service's, keyed by their order or shipment, in order, valid against their published JSON
Schemas; and two identical delivery reports at once are applied once."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import pytest

from services.chassis.relay import OutboxRelay
from services.orders.bootstrap import SPEC
from services.orders.domain.commands import AddShipment, PlaceOrder, ReportDelivery
from services.orders.handlers import orders, shipments
from tests.helpers.kafka import read_topic

SCHEMAS = Path(__file__).resolve().parents[3] / "contracts" / "schemas" / "orders"
LINES = [{"description": "Widgets", "quantity": "2", "unit_price_minor": 1000, "tax_rate": "19"}]


def ship_one(rt, org_id: str) -> tuple[str, str]:
    order_id, _ = orders.place_order(rt, PlaceOrder(org_id, "cust-1", "EUR", LINES))
    shipment_id, _ = shipments.add_shipment(rt, AddShipment(org_id, order_id, carrier="DHL",
                                                            reported_at="2026-12-01T08:00:00+00:00"))
    return order_id, shipment_id


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_orders_events_are_published_keyed_in_order_and_valid(make_runtime, broker, kind):
    rt = make_runtime(SPEC, kind, kafka_bootstrap=broker.bootstrap)
    org = f"org-pub-{kind}"
    order_id, shipment_id = ship_one(rt, org)
    shipments.report_delivery(rt, ReportDelivery(org, shipment_id, "delivered", "2026-12-02T10:00:00+00:00"))
    shipments.report_delivery(rt, ReportDelivery(org, shipment_id, "in_transit", "2026-12-02T09:00:00+00:00"))
    OutboxRelay(rt.engine, rt.config).drain()
    got = [m for m in read_topic(broker.bootstrap, "portal.orders.v1", expect=5)
           if m["value"]["org_id"] == org]
    by_key = {key: [m["value"]["type"] for m in got if m["key"] == key] for key in (order_id, shipment_id)}
    assert by_key == {order_id: ["SalesOrderPlaced", "SalesOrderUpdated"],
                      shipment_id: ["ShipmentDispatched", "DeliveryStatusChanged", "DeliveryStatusChanged"]}
    for m in got:
        value = m["value"]
        schema = json.loads((SCHEMAS / f"{value['type']}.v{value['schema_version']}.json").read_text())
        jsonschema.validate(value["data"], schema)
    reports = [m["value"]["data"] for m in got if m["value"]["type"] == "DeliveryStatusChanged"]
    assert [(r["status"], r["current_status"]) for r in reports] == [("delivered", "delivered"),
                                                                    ("in_transit", "delivered")]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_same_report_posted_twice_at_once_is_applied_once(make_runtime, kind):
    rt = make_runtime(SPEC, kind, kafka_bootstrap="127.0.0.1:1")
    _, shipment_id = ship_one(rt, "org-race")
    report = ReportDelivery("org-race", shipment_id, "in_transit", "2026-12-02T09:00:00+00:00", update_ref="dhl-77")
    with ThreadPoolExecutor(4) as pool:
        applied = list(pool.map(lambda _: shipments.report_delivery(rt, report), range(4)))
    assert sorted(applied) == [False, False, False, True]
    with rt.store.unit_of_work() as uow:
        stream = rt.store.load_stream(shipment_id, uow.conn)
    assert [e.type for e in stream] == ["ShipmentDispatched", "DeliveryStatusChanged"]
