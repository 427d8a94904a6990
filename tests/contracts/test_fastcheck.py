"""The event store's fast check (compiled JSON Schema) refuses what marshmallow refuses."""
import pytest

from contracts.catalogue import validate_data
from contracts.errors import SchemaViolation, UnknownEvent
from contracts.fastcheck import check_data
from tests.contracts.test_validation import invoice_issued

BAD = [
    ("unknown field", invoice_issued(totl_minor=1), "totl_minor"),
    ("wrong type", invoice_issued(number=42), "number"),
    ("not a date", invoice_issued(due_date="tomorrow"), "due_date"),
    ("float amount", invoice_issued(total_minor=10.5), "total_minor"),
    ("string amount", invoice_issued(total_minor="1000"), "total_minor"),
    ("negative amount", invoice_issued(total_minor=-1), "total_minor"),
    ("lower-case currency", invoice_issued(currency="eur"), "currency"),
    ("not UTC", invoice_issued(issued_at="2024-07-01T09:00:00+02:00"), "issued_at"),
]


def test_a_good_payload_passes_both():
    check_data("InvoiceIssued", invoice_issued())
    validate_data("InvoiceIssued", invoice_issued())


@pytest.mark.parametrize("why, data, field", BAD, ids=[b[0] for b in BAD])
def test_a_bad_payload_fails_both_naming_the_field(why, data, field):
    with pytest.raises(SchemaViolation):
        validate_data("InvoiceIssued", data)
    with pytest.raises(SchemaViolation) as caught:
        check_data("InvoiceIssued", data)
    assert field in str(caught.value)


def test_a_missing_field_is_refused():
    data = invoice_issued()
    del data["customer_id"]
    with pytest.raises(SchemaViolation, match="customer_id"):
        check_data("InvoiceIssued", data)


def test_an_unknown_type_is_refused():
    with pytest.raises(UnknownEvent):
        check_data("InvoiceTeleported", {})
