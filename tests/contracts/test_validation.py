"""validate_data and validate_envelope refuse what a consumer could not trust."""
import uuid

import pytest

from contracts.catalogue import validate_data, validate_envelope
from contracts.envelope import EnvelopeSchema, kafka_headers
from contracts.errors import SchemaViolation, UnknownEvent


def invoice_issued(**changes) -> dict:
    data = {
        "invoice_id": "inv-1", "customer_id": "cus-1", "number": "INV-2024-0001",
        "currency": "EUR", "total_minor": 12_000, "tax_minor": 2_000,
        "due_date": "2024-07-31", "issued_at": "2024-07-01T09:00:00Z", "external_ref": None,
    }
    return {**data, **changes}


def envelope(**changes) -> dict:
    env = {
        "event_id": str(uuid.uuid4()), "type": "InvoiceIssued", "schema_version": 1,
        "org_id": "org-1", "aggregate_type": "Invoice", "aggregate_id": "inv-1",
        "aggregate_version": 1, "occurred_at": "2024-07-01T09:00:00.123456+00:00",
        "actor": {"kind": "staff", "id": "staff-1"}, "correlation_id": "req-1",
        "causation_id": None, "data": invoice_issued(),
    }
    return {**env, **changes}


def violation(event_type: str, data: dict) -> dict:
    with pytest.raises(SchemaViolation) as caught:
        validate_data(event_type, data)
    return caught.value.errors


def test_a_good_payload_is_returned_json_ready():
    out = validate_data("InvoiceIssued", invoice_issued())
    assert out["total_minor"] == 12_000
    assert out["due_date"] == "2024-07-31"
    assert out["issued_at"] == "2024-07-01T09:00:00+00:00"


def test_unknown_field_is_refused_and_named():
    assert "totl_minor" in violation("InvoiceIssued", invoice_issued(totl_minor=1))


def test_missing_required_field_is_named():
    data = invoice_issued()
    del data["customer_id"]
    assert "customer_id" in violation("InvoiceIssued", data)


def test_wrong_type_is_named():
    assert "number" in violation("InvoiceIssued", invoice_issued(number=42))
    assert "due_date" in violation("InvoiceIssued", invoice_issued(due_date="tomorrow"))


@pytest.mark.parametrize("amount", [10.5, 10.0, "1000", True])
def test_amounts_must_be_integer_minor_units(amount):
    assert "total_minor" in violation("InvoiceIssued", invoice_issued(total_minor=amount))


def test_negative_amount_is_refused():
    assert "total_minor" in violation("InvoiceIssued", invoice_issued(total_minor=-1))


@pytest.mark.parametrize("currency", ["usd", "EURO", "EU", "€", ""])
def test_currency_must_be_iso_4217(currency):
    assert "currency" in violation("InvoiceIssued", invoice_issued(currency=currency))


def test_violation_message_is_readable():
    with pytest.raises(SchemaViolation) as caught:
        validate_data("InvoiceIssued", invoice_issued(currency="usd"))
    assert "InvoiceIssued" in str(caught.value) and "currency" in str(caught.value)


def test_unknown_event_type():
    with pytest.raises(UnknownEvent):
        validate_data("InvoiceMunched", {})


def settled(**changes) -> dict:
    data = {
        "payment_id": "pay-1", "customer_id": "cus-1", "amount_minor": 1_500, "currency": "EUR",
        "allocations": [{"invoice_id": "inv-1", "amount_minor": 1_000},
                        {"invoice_id": "inv-2", "amount_minor": 500}],
        "gateway": "stripe", "gateway_reference": "pi_123",
    }
    return {**data, **changes}


def test_a_bulk_payment_settles():
    assert validate_data("PaymentSettled", settled())["allocations"][1]["amount_minor"] == 500


def test_allocations_must_add_up_and_be_integers():
    assert "allocations" in violation("PaymentSettled", settled(amount_minor=1_400))
    errors = violation("PaymentSettled", settled(allocations=[{"invoice_id": "inv-1", "amount_minor": 1_500.0}]))
    assert "amount_minor" in errors["allocations"][0]


def test_unknown_field_inside_a_nested_object_is_refused():
    errors = violation("PaymentSettled", settled(allocations=[{"invoice_id": "i", "amount_minor": 1_500, "x": 1}]))
    assert "x" in errors["allocations"][0]


def test_gateway_must_be_known():
    assert "gateway" in violation("PaymentSettled", settled(gateway="bitcoin"))


def refunded(**changes) -> dict:
    data = {
        "payment_id": "pay-1", "refund_id": "ref-1", "customer_id": "cus-1", "amount_minor": 8_500,
        "currency": "EUR", "gateway": "stripe", "gateway_reference": "pi_123", "reason": None,
        "allocations": [{"invoice_id": "inv-1", "amount_minor": 8_500}], "gateway_refund_id": "re_1",
    }
    return {**data, **changes}


def test_a_refund_says_whether_it_reopens_its_invoices_and_older_ones_did_not_say():
    assert validate_data("PaymentRefunded", refunded(reopens_invoice=False))["reopens_invoice"] is False
    assert validate_data("PaymentRefunded", refunded(reopens_invoice=True))["reopens_invoice"] is True
    assert "reopens_invoice" not in validate_data("PaymentRefunded", refunded())    # recorded before: optional
    assert "reopens_invoice" in violation("PaymentRefunded", refunded(reopens_invoice="maybe"))


def test_event_timestamps_must_be_utc():
    assert "issued_at" in violation("InvoiceIssued", invoice_issued(issued_at="2024-07-01T09:00:00"))
    assert "issued_at" in violation("InvoiceIssued", invoice_issued(issued_at="2024-07-01T11:00:00+02:00"))


# -- the envelope ---------------------------------------------------------------------

def test_a_good_envelope_passes_whole():
    env = envelope()
    out = validate_envelope(env)
    assert out["event_id"] == env["event_id"]
    assert out["data"]["issued_at"] == "2024-07-01T09:00:00+00:00"
    assert sorted(out) == sorted(EnvelopeSchema().fields)


def test_envelope_refuses_a_naive_datetime():
    with pytest.raises(SchemaViolation) as caught:
        validate_envelope(envelope(occurred_at="2024-07-01T09:00:00"))
    assert "occurred_at" in caught.value.errors


def test_envelope_refuses_a_non_utc_datetime():
    with pytest.raises(SchemaViolation) as caught:
        validate_envelope(envelope(occurred_at="2024-07-01T09:00:00-05:00"))
    assert "occurred_at" in caught.value.errors


def test_envelope_refuses_a_non_uuid_event_id():
    with pytest.raises(SchemaViolation) as caught:
        validate_envelope(envelope(event_id="evt-1"))
    assert "event_id" in caught.value.errors


@pytest.mark.parametrize("field", ["org_id", "correlation_id", "actor", "data"])
def test_envelope_requires(field):
    env = envelope()
    del env[field]
    with pytest.raises(SchemaViolation) as caught:
        validate_envelope(env)
    assert field in caught.value.errors


def test_envelope_refuses_unknown_fields_and_bad_actors():
    with pytest.raises(SchemaViolation) as caught:
        validate_envelope(envelope(tenant="org-1", actor={"kind": "robot", "id": None}))
    assert "tenant" in caught.value.errors and "actor" in caught.value.errors


@pytest.mark.parametrize("field, value", [("schema_version", 0), ("aggregate_version", 0), ("schema_version", 2),
                                          ("aggregate_type", "Payment")])
def test_envelope_must_match_the_contract(field, value):
    with pytest.raises(SchemaViolation) as caught:
        validate_envelope(envelope(**{field: value}))
    assert field in caught.value.errors


def test_envelope_checks_its_data_against_the_catalogue():
    with pytest.raises(SchemaViolation) as caught:
        validate_envelope(envelope(data=invoice_issued(total_minor=10.5)))
    assert "total_minor" in caught.value.errors["data"]


def test_envelope_with_unknown_type():
    with pytest.raises(UnknownEvent):
        validate_envelope(envelope(type="InvoiceMunched"))


def test_kafka_headers():
    env = validate_envelope(envelope())
    assert dict(kafka_headers(env)) == {
        "event_id": env["event_id"].encode(), "type": b"InvoiceIssued", "schema_version": b"1",
        "content-type": b"application/json",
    }
