"""A web process's /metrics on its own port (issue 14, case 15): Kubernetes lets Prometheus
in to that port alone, so the port must answer the workers' figures, summed by gunicorn's
master, while the API port stays closed to it (tests/deploy checks the policy)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

from tests.helpers.broker import free_port


def test_the_metrics_port_shows_what_every_worker_counted(tmp_path):
    api, metrics = free_port(), free_port()
    env = {**os.environ, "BIND": f"127.0.0.1:{api}", "METRICS_PORT": str(metrics), "WEB_CONCURRENCY": "2",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:services.chassis.gunicorn_conf",
                               "tests.helpers.counting_wsgi:app"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{api}/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        for _ in range(5):
            urllib.request.urlopen(f"http://127.0.0.1:{api}/", timeout=2).read()
        shown = urllib.request.urlopen(f"http://127.0.0.1:{metrics}/metrics", timeout=2).read().decode()
        assert "portal_test_requests_total 6.0" in shown            # both workers' counts, summed
    finally:
        server.terminate()
        server.wait(timeout=30)
