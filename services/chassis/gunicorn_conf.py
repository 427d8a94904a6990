"""gunicorn settings shared by every web process (`-c python:services.chassis.gunicorn_conf`)."""
import os
import tempfile

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
keepalive = 30                     # the gateway keeps pooled connections to services
graceful_timeout = 25              # inside Kubernetes' 30 s grace period
timeout = 30
accesslog = None                   # the app logs requests as JSON
limit_request_line = 8190
# Several gunicorns share a machine under `make up`; none needs gunicorn's control socket.
control_socket_disable = True

# Prometheus: one registry per worker process, aggregated at /metrics.
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="prom-")


def when_ready(server):
    """With METRICS_PORT set (Kubernetes), /metrics is served on that port as well, by the
    master, aggregated over the workers: Prometheus is let in to that port alone, never to
    the service's API (deploy/k8s/components/network-policies)."""
    port = os.environ.get("METRICS_PORT")
    if port:
        from prometheus_client import CollectorRegistry, multiprocess, start_http_server
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        start_http_server(int(port), registry=registry)


def child_exit(server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
