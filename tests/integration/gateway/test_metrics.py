"""The gateway's /metrics: for the scraper that holds the token, invisible to everyone else."""
from __future__ import annotations

from tests.integration.gateway.conftest import Browser, make_app


def test_metrics_need_the_token_and_count_requests_by_route(world):
    app = make_app(world.fake, GATEWAY_METRICS_TOKEN="scrape-secret")
    browser = Browser(app)
    browser.get("/signin")
    browser.get("/no-such-page")
    assert browser.get("/metrics").status_code == 404
    assert browser.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    scraped = browser.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert scraped.status_code == 200
    body = scraped.get_data(as_text=True)
    assert 'portal_gateway_request_duration_seconds_count{method="GET",route="/signin",status="200"}' in body
    assert 'route="unmatched",status="404"' in body


def test_without_a_token_configured_metrics_do_not_exist(world, app):
    assert Browser(app).get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_identity_down_is_counted(world, app):
    app = make_app(world.fake, GATEWAY_METRICS_TOKEN="scrape-secret")
    browser = Browser(app)
    before = _failures(browser)
    world.fake.down = True
    assert browser.get("/signin").status_code == 503
    world.fake.down = False
    assert _failures(browser) == before + 1


def _failures(browser) -> float:
    body = browser.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).get_data(as_text=True)
    line = next(x for x in body.splitlines() if x.startswith("portal_gateway_upstream_unavailable_total "))
    return float(line.split()[1])
