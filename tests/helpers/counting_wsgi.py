"""A WSGI app that counts its requests in a Prometheus counter: run under the chassis's
gunicorn settings to see what the metrics port shows (tests/integration/chassis/test_metrics_port.py)."""
from prometheus_client import Counter

SERVED = Counter("portal_test_requests_total", "Requests this test app served")


def app(environ, start_response):
    SERVED.inc()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
