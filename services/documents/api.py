"""documents's HTTP API."""
from services.chassis import orgs


def blueprints():
    return [orgs.blueprint("documents")]
