"""The activity feed's title of each event type: every type of the catalogue has one, marked for
translation, so a type added later cannot show in English on a German, French or Arabic page."""
import re

from flask_babel import LazyString

from contracts.catalogue import CATALOGUE
from gateway.console.activity import label
from gateway.web.event_titles import EVENT_TITLES


def test_every_type_of_the_catalogue_has_a_title_marked_for_translation():
    assert set(CATALOGUE) <= set(EVENT_TITLES), sorted(set(CATALOGUE) - set(EVENT_TITLES))
    assert all(isinstance(title, LazyString) for title in EVENT_TITLES.values())
    assert all(str(title) and str(title) == str(title).strip() for title in EVENT_TITLES.values())


def test_the_english_titles_are_the_types_in_words():
    for event_type, title in EVENT_TITLES.items():
        if event_type == "WebhookDisabled":
            continue
        words = re.findall(r"[A-Z][a-z0-9]*", event_type)
        assert str(title) == " ".join([words[0], *(w.lower() for w in words[1:])]), event_type
    assert label("WebhookDisabled") == "A webhook was switched off after failed deliveries"
    assert label("PaymentSettled") == "Payment settled"
    assert label("BrandNewThing") == "Brand new thing"          # a type not listed yet: its name in words
