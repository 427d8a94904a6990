"""The event types a webhook may subscribe to, as staff read them: by area, in words."""
from contracts.catalogue import CATALOGUE
from gateway.web.event_labels import EVENT_AREAS, OTHER, event_groups, events_summary


def test_every_type_of_the_catalogue_has_words_in_one_area():
    listed = [t for labels in EVENT_AREAS.values() for t in labels]
    assert len(listed) == len(set(listed))                     # no type in two areas
    assert set(CATALOGUE) <= set(listed), sorted(set(CATALOGUE) - set(listed))
    assert all(words and words == words.strip() for labels in EVENT_AREAS.values() for words in labels.values())


def test_groups_follow_the_areas_and_a_type_added_later_is_still_offered():
    groups = event_groups(["PaymentSettled", "*", "InvoiceVoided", "InvoiceIssued", "BrandNewThing"])
    assert groups == [("Invoices", [("InvoiceIssued", "issued"), ("InvoiceVoided", "voided")]),
                      ("Payments", [("PaymentSettled", "received")]),
                      (OTHER, [("BrandNewThing", "BrandNewThing")])]


def test_a_webhooks_events_in_one_line():
    assert events_summary(["InvoiceIssued", "PaymentSettled", "InvoiceVoided"]) == \
        "Invoices: issued, voided; Payments: received"
    assert events_summary(["*"]) == "All events"
