"""Rate limits shared by every gateway process (issue 14, item 15): with
GATEWAY_RATELIMIT_STORAGE on Redis, two replicas count one client's attempts together, so
running more gateways does not multiply what an attacker may try. While Redis is down each
process counts on its own in memory: no page fails for it and no limit is lifted."""
from __future__ import annotations

import pytest

from tests.helpers.redis_server import RedisServer, require_redis_server
from tests.integration.gateway.conftest import Browser, make_app, text

WRONG = {"email": "ann@globex.test", "password": "not the password"}


@pytest.fixture
def redis_store():
    require_redis_server()
    server = RedisServer().start()
    yield server
    server.stop()


def replicas(world, storage: str, limit: str = "3 per minute"):
    """Two gateway processes as two replicas behind one load balancer: each its own app and limiter."""
    return [make_app(world.fake, GATEWAY_RATELIMIT_SIGNIN=limit, RATELIMIT_STORAGE_URI=storage)
            for _ in range(2)]


def attempts(apps, count: int) -> list[int]:
    """One client's wrong passwords, handed to the replicas in turn, as a balancer spreads them."""
    browsers = [Browser(app) for app in apps]
    for browser in browsers:
        browser.get("/signin")
    return [browsers[n % len(browsers)].post("/signin", WRONG).status_code for n in range(count)]


def test_two_replicas_on_redis_count_one_clients_attempts_together(world, redis_store):
    apps = replicas(world, redis_store.url)
    assert attempts(apps, 5) == [401, 401, 401, 429, 429]
    refused = Browser(apps[0])
    refused.get("/signin")
    response = refused.post("/signin", WRONG)
    assert response.status_code == 429 and "Too many attempts" in text(response)


def test_in_memory_each_replica_counts_on_its_own(world):
    """What Redis is for: in memory, two replicas let a client try twice the limit (kept under
    identity's own count of failed sign-ins, which would refuse the fifth)."""
    assert attempts(replicas(world, "memory://", "2 per minute"), 4) == [401] * 4


def test_while_redis_is_down_each_replica_still_limits_and_no_page_fails(world, redis_store):
    apps = replicas(world, redis_store.url)
    assert attempts(apps, 2) == [401, 401]
    redis_store.stop()
    answers = attempts(apps[:1], 5)
    assert 500 not in answers
    assert answers[:3] == [401, 401, 401] and set(answers[3:]) == {429}
    assert Browser(apps[1]).get("/signin").status_code == 200


def test_the_store_is_chosen_by_the_environment(monkeypatch, redis_store):
    from gateway.web.config import from_environment
    monkeypatch.setenv("PORTAL_ENV", "dev")
    assert from_environment({})["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("GATEWAY_RATELIMIT_STORAGE", redis_store.url)
    assert from_environment({})["RATELIMIT_STORAGE_URI"] == redis_store.url
