"""The live channel's decisions, without a network: grants (who may follow what), what an
event becomes for each side (a note never for a contact; `mine` per person), and the hub
(the per-person cap, fan-out by org and topic)."""
from __future__ import annotations

import pytest

from gateway.live import grants
from gateway.live.events import Update, for_viewer, updates
from gateway.live.hub import Hub, TooManyStreams

SECRET = "gateway-secret"


def envelope(type_: str, data: dict, org: str = "org-1") -> dict:
    return {"type": type_, "org_id": org, "aggregate_type": "Ticket", "aggregate_id": data.get("ticket_id"),
            "occurred_at": "2026-01-01T10:00:00+00:00", "data": data}


def test_a_grant_names_who_follows_what_and_any_change_to_it_is_refused():
    token = grants.mint(SECRET, "org-1", "ann", "contact", ["ticket:t-1"])
    grant = grants.check(SECRET, token, max_age=60)
    assert (grant.org, grant.principal, grant.side, grant.topics) == ("org-1", "ann", "contact", ("ticket:t-1",))
    other = grants.mint(SECRET, "org-1", "ann", "contact", ["ticket:t-2"])
    spliced = other.split(".")[0] + "." + token.split(".", 1)[1]            # t-2's payload, t-1's signature
    for bad in (spliced, grants.mint("another-secret", "org-1", "ann", "contact", ["ticket:t-2"]),
                token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "", "not.a.grant"):
        with pytest.raises(grants.GrantRefused):
            grants.check(SECRET, bad, max_age=60)
    with pytest.raises(grants.GrantRefused):
        grants.check(SECRET, token, max_age=0)                                # its life is over
    with pytest.raises(ValueError):
        grants.mint(SECRET, "org-1", "ann", "admin", [])


def test_an_internal_note_is_for_staff_only_and_mine_is_per_person():
    note, = updates(envelope("TicketNoteAdded", {"note_id": "n", "ticket_id": "t-1", "customer_id": "c",
                                                 "author_id": "sam", "author_name": "Sam", "body": "secret"}))
    assert for_viewer(note, "contact", "ann") is None
    assert for_viewer(note, "staff", "sam")["body"] == "secret"
    message, seen = updates(envelope("TicketMessagePosted", {
        "message_id": "m", "ticket_id": "t-1", "customer_id": "c", "author_kind": "staff", "author_id": "sam",
        "author_name": "Sam", "body": "hi", "attachments": 0, "seq": 4}))
    assert message.key == "org-1/ticket:t-1" and message.event_id == 4
    assert for_viewer(message, "contact", "sam") == {"seq": 4, "author_kind": "staff", "author_name": "Sam",
                                                     "body": "hi", "posted_at": "2026-01-01T10:00:00+00:00",
                                                     "mine": False}       # a contact with a staff id is not staff
    assert for_viewer(message, "staff", "sam")["mine"] is True
    assert for_viewer(message, "staff", "ada")["mine"] is False
    assert for_viewer(seen, "contact", "ann") == {"seq": 4} and for_viewer(seen, "staff", "ada") is None
    read, = updates({**envelope("TicketRead", {"ticket_id": "t-1", "customer_id": "c", "reader_kind": "contact",
                                               "seq": 4}), "aggregate_type": "TicketReadMark"})
    assert read.key == "org-1/ticket:t-1" and read.sides == {"staff"} and read.data == {"seq": 4}
    closed, = updates(envelope("TicketClosed", {"ticket_id": "t-1", "customer_id": "c", "resolution": None}))
    assert closed.kind == "status" and closed.data == {"status": "closed"}
    assert updates(envelope("TicketMessagePosted", {"ticket_id": "t-1"})) == []          # malformed: nobody
    assert updates({**envelope("InvoiceIssued", {}), "aggregate_type": "Invoice"}) == []  # not a topic yet


def test_the_hub_caps_each_person_and_sends_each_page_what_its_grant_covers():
    hub = Hub(max_per_person=2)
    got: dict[str, list[bytes]] = {}

    def page(name: str, org: str, principal: str, side: str, topic: str):
        got[name] = []
        grant = grants.Grant(org, principal, side, (topic,), 0.0)
        return hub.open(grant, got[name].append)

    first = page("ann-1", "org-1", "ann", "contact", "ticket:t-1")
    page("ann-2", "org-1", "ann", "contact", "ticket:t-1")
    with pytest.raises(TooManyStreams):
        page("ann-3", "org-1", "ann", "contact", "ticket:t-1")
    page("bob-other-org", "org-2", "ann", "contact", "ticket:t-1")           # another org's "ann"
    page("sam", "org-1", "sam", "staff", "ticket:t-1")
    hub.publish([Update("org-1", "ticket:t-1", "note", {"body": "secret"}, frozenset({"staff"})),
                 Update("org-1", "ticket:t-1", "status", {"status": "resolved"})])
    (to_sam,) = got["sam"]                                                   # a batch is one write per page
    assert to_sam.startswith(b"event: note") and b"event: status" in to_sam
    assert [c.split(b"\n")[0] for c in got["ann-1"]] == [b"event: status"] == [c.split(b"\n")[0] for c in got["ann-2"]]
    assert got["bob-other-org"] == []
    hub.close(first)
    page("ann-3", "org-1", "ann", "contact", "ticket:t-1")                   # a closed page frees its place
    hub.heartbeat()
    assert got["ann-3"] == [b": heartbeat\n\n"] and hub.open_streams == 4


def test_a_shipments_status_goes_to_its_customers_deliveries_topic_as_it_now_stands():
    """orders' events (issue 16): a late report of an earlier stage still shows the current status."""
    def shipment(type_, **data):
        return {**envelope(type_, {"shipment_id": "s-1", "sales_order_id": "o-1", "customer_id": "cu-1", **data}),
                "aggregate_type": "Shipment"}
    dispatched, = updates(shipment("ShipmentDispatched", status="dispatched"))
    assert (dispatched.key, dispatched.kind) == ("org-1/deliveries:cu-1", "delivery")
    assert for_viewer(dispatched, "contact", "ann") == {"shipment_id": "s-1", "status": "dispatched"}
    late, = updates(shipment("DeliveryStatusChanged", status="in_transit", current_status="delivered"))
    assert late.data == {"shipment_id": "s-1", "status": "delivered"} and late.sides == {"contact", "staff"}


def test_a_payments_status_goes_to_its_own_topic_for_both_sides_and_other_billing_events_to_none():
    """billing's events (issue 15): the payment page hears that its payment moved."""
    def payment(type_, **data):
        return {**envelope(type_, {"payment_id": "p-1", "customer_id": "cu-1", "amount_minor": 100,
                                   "currency": "EUR", "gateway": "stripe", **data}), "aggregate_type": "Payment"}
    settled, = updates(payment("PaymentSettled", gateway_reference="cs_1"))
    assert (settled.key, settled.kind, settled.sides) == ("org-1/payment:p-1", "payment", {"contact", "staff"})
    assert for_viewer(settled, "contact", "ann") == {"payment_id": "p-1", "status": "settled"}
    failed, = updates(payment("PaymentFailed", reason="declined", message=None, gateway_reference=None))
    assert failed.data["status"] == "failed"
    assert updates({**payment("PaymentLinkCreated"), "aggregate_type": "PaymentLink"}) == []
    assert updates({**payment("InvoiceIssued"), "aggregate_type": "Invoice"}) == []
