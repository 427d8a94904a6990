"""support's HTTP API."""
from services.chassis import orgs


def blueprints():
    return [orgs.blueprint("support")]
