"""A service's HTTP edge: problem+json errors, ids carried into events, ops routes."""
import pytest
from sqlalchemy import select

from services.chassis.tables import events
from services.identity.app import create_app
from services.chassis import auth
from tests.helpers.tokens import as_system
from services.identity.bootstrap import SPEC

PROBLEM = "application/problem+json"


@pytest.fixture
def client(make_runtime, db_kind):
    rt = make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1")   # no broker: on purpose
    app = create_app(rt.config)
    return as_system(app.test_client()), app


def post_org(client, **body):
    return client.post("/orgs", json={"name": "Acme", "slug": "acme", **body})


def test_create_and_read_an_org(client):
    c, _ = client
    created = post_org(c, host="portal.acme.test")
    assert created.status_code == 201
    org = created.get_json()
    assert c.get(f"/orgs/{org['org_id']}").get_json()["name"] == "Acme"
    assert c.get("/orgs/by-host/PORTAL.acme.test").get_json()["org_id"] == org["org_id"]


@pytest.mark.parametrize("body, field", [
    ({"name": "Acme", "slug": "acme", "colour": "red"}, "colour"),     # unknown field
    ({"name": 42, "slug": "acme"}, "name"),                            # wrong type
    ({"slug": "acme"}, "name"),                                        # missing field
])
def test_bad_input_is_a_problem_naming_the_field(client, body, field):
    c, _ = client
    response = c.post("/orgs", json=body)
    assert response.status_code in (400, 422)
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["status"] == response.status_code
    assert field in problem["detail"]
    assert field in problem["errors"]["json"]


def test_a_broken_rule_is_a_422_problem(client):
    c, _ = client
    response = post_org(c, slug="Not A Slug")
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert "slug" in response.get_json()["detail"]


def test_a_conflict_is_a_409_problem(client):
    c, _ = client
    assert post_org(c).status_code == 201
    response = post_org(c)
    assert response.status_code == 409 and response.mimetype == PROBLEM


def test_unknown_ids_and_routes_are_404_problems_and_wrong_methods_405(client):
    c, _ = client
    for path in ("/orgs/nope", "/no/such/route"):
        response = c.get(path)
        assert response.status_code == 404 and response.mimetype == PROBLEM
    response = c.delete("/orgs")
    assert response.status_code == 405 and response.mimetype == PROBLEM
    assert "POST" in response.headers["Allow"]


def test_a_crash_is_a_500_problem_not_an_html_page(client):
    c, app = client

    @app.get("/boom")
    @auth.public
    def boom():
        raise RuntimeError("secret internals")
    response = c.get("/boom")
    assert response.status_code == 500 and response.mimetype == PROBLEM
    assert "secret internals" not in response.get_data(as_text=True)


def test_correlation_and_actor_travel_into_the_stored_event(client, make_runtime):
    c, app = client
    response = c.post("/orgs", json={"name": "Acme", "slug": "acme"},
                      headers={"X-Correlation-ID": "corr-123", "X-Request-ID": "req-9",
                               "X-Actor-Kind": "staff", "X-Actor-Id": "someone-else"})
    assert response.headers["X-Correlation-ID"] == "corr-123"
    assert response.headers["X-Request-ID"] == "req-9"
    engine = app.extensions["portal"].engine
    with engine.connect() as conn:
        meta = conn.execute(select(events.c.meta)).scalar()
    assert meta["correlation_id"] == "corr-123"
    # who acted comes from the verified token, never from a header a caller can set
    assert meta["actor"] == {"kind": "system", "id": "operator"}


def test_ops_routes(client):
    c, _ = client
    assert c.get("/healthz").get_json()["status"] == "ok"
    ready = c.get("/readyz")
    assert ready.status_code == 200                        # the database is up
    assert ready.get_json()["checks"]["broker"].startswith("unreachable")
    post_org(c)
    metrics = c.get("/metrics").get_data(as_text=True)
    assert 'portal_http_request_duration_seconds_bucket{' in metrics
    assert 'route="/orgs"' in metrics
    assert 'portal_events_appended_total{service="identity",type="OrganizationCreated"}' in metrics
    spec = c.get("/openapi.json").get_json()
    assert "/orgs/{org_id}/settings" in spec["paths"]
    assert spec["openapi"].startswith("3.")


def test_readyz_fails_when_the_database_is_gone(make_runtime):
    rt = make_runtime(SPEC, "sqlite", kafka_bootstrap="127.0.0.1:1")
    app = create_app(rt.config.__class__(**{**rt.config.__dict__,
                                            "database_url": "postgresql+psycopg://nobody@127.0.0.1:1/x"}))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("down")
