"""A contact's pages in their language: their own choice wins over the browser's; a contact who
chose none (identity's language None) reads the browser's (Accept-Language)."""
from __future__ import annotations

from tests.integration.gateway.conftest import Browser


def test_a_contact_without_a_language_reads_the_browsers(world, app):
    world.ann.profile["language"] = None
    browser = Browser(app)
    browser.sign_in(world.ann)
    html = browser.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="fr"' in html


def test_a_contacts_own_language_wins_over_the_browsers(world, app):
    world.ann.profile["language"] = "de"
    browser = Browser(app)
    browser.sign_in(world.ann)
    html = browser.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)
    assert '<html lang="de"' in html


def test_the_profile_offers_the_browsers_language_and_saves_it_as_not_chosen(world, app):
    world.ann.profile["language"] = "de"
    browser = Browser(app)
    browser.sign_in(world.ann)
    html = browser.get("/profile").get_data(as_text=True)
    assert '<option value="">' in html and '<option value="ar">' in html
    response = browser.send("/profile", {"name": "Ann Example", "language": "", "line1": "", "line2": "",
                                         "city": "", "postcode": "", "country": ""})
    assert response.status_code == 302
    assert world.ann.profile["language"] is None
    html = browser.get("/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl"' in html
