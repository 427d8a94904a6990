"""The console's webhooks page (owners and admins), against the real notifications service
in process: add an HTTPS endpoint for event types of the catalogue, its signing secret shown
once, the list with each one's state, switch off and on, delete, and each one's delivery log;
a webhook switched off after repeated failures shows a notice here and on the dashboard."""
from __future__ import annotations

import re

import pytest

from tests.integration.gateway import notifications_backend as backend
from tests.integration.gateway.conftest import Browser, text

URL = "https://erp.acme.test/portal-events"


@pytest.fixture
def owner(world, app) -> Browser:
    browser = Browser(app)
    assert browser.sign_in(world.sam, fake=world.fake).headers["Location"] == "/console"
    return browser


def add(owner, url=URL, types=("CustomerCreated",)):
    return owner.submit("/console/webhooks", {"url": url, "event_types": list(types)})


def webhook_id(owner) -> str:
    page = owner.get("/console/webhooks").get_data(as_text=True)
    return re.search(r'/console/webhooks/([0-9a-f-]{36})"', page).group(1)


def test_a_new_webhook_shows_its_secret_once(owner):
    made = add(owner)
    assert made.status_code == 200
    secret = re.search(r'id="webhook-secret"[^>]*value="(whsec_[^"]+)"', made.get_data(as_text=True)).group(1)
    assert "it will not be shown again" in text(made)
    listing = owner.get("/console/webhooks")
    assert URL in text(listing) and "Active" in text(listing)
    assert "Customers and contacts: customer added" in text(listing)          # the event in words
    assert secret not in listing.get_data(as_text=True)
    assert secret not in owner.get(f"/console/webhooks/{webhook_id(owner)}").get_data(as_text=True)


def test_the_form_offers_the_catalogue_and_refuses_what_is_not_right(owner):
    page = owner.get("/console/webhooks")
    assert 'value="InvoiceIssued"' in page.get_data(as_text=True) and "All events" in text(page)
    plain = add(owner, url="http://erp.acme.test/hook")
    assert plain.status_code == 422 and "A webhook needs an https:// URL." in text(plain)
    none = add(owner, types=())
    assert none.status_code == 400 and "Choose at least one event." in text(none)
    unknown = add(owner, types=("NoSuchEvent",))
    assert unknown.status_code == 400
    assert "No webhooks yet." in text(owner.get("/console/webhooks"))


def test_the_events_are_grouped_by_area_in_words_with_the_raw_type_as_value(owner):
    html = owner.get("/console/webhooks").get_data(as_text=True)
    invoices = html.split("<legend>Invoices</legend>", 1)[1].split("</fieldset>", 1)[0]
    assert 'value="InvoiceIssued"' in invoices and ">Issued<" in invoices and ">Voided<" in invoices
    assert ">InvoiceIssued<" not in html and " InvoiceIssued\n" not in html        # the raw name only as the value
    assert "<legend>Payments</legend>" in html and "<legend>Support</legend>" in html
    made = add(owner, types=("InvoiceIssued", "InvoiceVoided", "PaymentSettled"))
    assert "Invoices: issued, voided; Payments: received" in text(made)


def test_each_problem_shows_at_its_own_field(owner):
    none = add(owner, types=())
    assert none.status_code == 400
    html = none.get_data(as_text=True)
    assert "Some fields below need your attention" not in html
    assert "Events to send: Choose at least one event." in text(none)                # the summary names it
    events = html.split("<legend>Events to send</legend>", 1)[1]
    assert events.lstrip().startswith('<ul class="field-errors" id="event_types-error"><li>Choose at least one event.')
    plain = add(owner, url="http://erp.acme.test/hook")
    assert plain.status_code == 422
    field = plain.get_data(as_text=True).split('<label class="label" for="url">', 1)[1].split("</div>", 1)[0]
    assert "A webhook needs an https:// URL." in field and 'aria-invalid="true"' in field


def test_a_failure_reads_as_a_sentence_on_the_dashboard_even_one_recorded_before(world, owner):
    add(owner)
    backend.happened(world.org["org_id"])
    backend.deliver(503, rounds=3, disable_after=3)
    notice = text(owner.get("/console/notices"))
    assert "3 deliveries in a row failed. The last: The endpoint answered 503." in notice
    from services.notifications.projections.webhooks import webhooks
    raw = ("HTTPSConnectionPool(host='hooks.example.com', port=443): Max retries exceeded with url: /x "
           "(Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object at 0x7f>\"))")
    with backend.runtime().engine.begin() as conn:                  # as a webhook switched off long ago
        conn.execute(webhooks.update().values(disabled_reason=f"15 deliveries in a row failed (last: {raw})."))
    for page in (owner.get("/console/notices"), owner.get("/console/webhooks"),
                 owner.get(f"/console/webhooks/{webhook_id(owner)}")):
        assert "Pool" not in text(page) and "NameResolutionError" not in text(page)
    assert "Deliveries failed many times in a row." in text(owner.get("/console/notices"))


def test_the_delivery_log_shows_attempts_answers_retries_and_delivery(world, owner):
    add(owner)
    hook = webhook_id(owner)
    backend.happened(world.org["org_id"])
    backend.deliver(500, retry_base_s=3600.0)                 # failed once, retried in an hour
    log = owner.get(f"/console/webhooks/{hook}")
    assert log.status_code == 200
    row = text(log).split("Next retry Delivered", 1)[1]
    assert "CustomerCreated" in row and "Retrying 1 The endpoint answered 500." in row and "UTC —" in row
    backend.happened(world.org["org_id"])
    backend.deliver(200)                                      # the new one is delivered
    rows = text(owner.get(f"/console/webhooks/{hook}")).split("Next retry Delivered", 1)[1]
    newest, older = rows.split("CustomerCreated")[1:]
    assert "Delivered 1 HTTP 200 — " in newest and "UTC" in newest       # no retry; when it was delivered
    assert "Retrying 1 The endpoint answered 500." in older


def test_switch_off_on_and_delete(world, owner):
    add(owner)
    hook = webhook_id(owner)
    owner.get("/console/webhooks")
    assert owner.send(f"/console/webhooks/{hook}/disable", {}).status_code == 302
    page = owner.get("/console/webhooks")
    assert "The webhook is off" in text(page) and "Disabled by staff." in text(page)
    assert "switched off after repeated failed deliveries" not in text(page)     # staff did it: no alarm
    backend.happened(world.org["org_id"])
    backend.deliver(200)
    assert "Nothing delivered yet." in text(owner.get(f"/console/webhooks/{hook}"))
    owner.send(f"/console/webhooks/{hook}/enable", {})
    assert "The webhook is on again" in text(owner.get("/console/webhooks"))
    owner.send(f"/console/webhooks/{hook}/delete", {})
    page = owner.get("/console/webhooks")
    assert "The webhook is deleted" in text(page) and "No webhooks yet." in text(page)
    assert owner.get(f"/console/webhooks/{hook}").status_code == 404
    assert owner.send(f"/console/webhooks/{hook}/enable", {}).status_code == 404


def test_a_webhook_switched_off_after_failures_shows_a_notice(world, owner, app):
    add(owner)
    backend.happened(world.org["org_id"])
    backend.deliver(503, rounds=3, disable_after=3)
    page = text(owner.get("/console/webhooks"))
    assert "1 webhook switched off after repeated failed deliveries." in page
    assert "3 deliveries in a row failed" in page
    dashboard = owner.get("/console").get_data(as_text=True)
    assert 'hx-get="/console/notices"' in dashboard
    notice = owner.get("/console/notices")
    assert notice.status_code == 200 and "switched off after repeated failed deliveries" in text(notice)
    agent = Browser(app)
    agent.sign_in(world.ada, fake=world.fake)
    assert "Ask an owner or an admin" in text(agent.get("/console/notices"))
    assert "switched off" in text(owner.get("/console/activity"))         # and in the feed


def test_no_notice_without_failures_and_agents_may_not_manage(world, owner, app):
    add(owner)
    assert "switched off" not in text(owner.get("/console/notices"))
    agent = Browser(app)
    agent.sign_in(world.ada, fake=world.fake)
    assert agent.get("/console/webhooks").status_code == 403
    assert agent.get(f"/console/webhooks/{webhook_id(owner)}").status_code == 403
