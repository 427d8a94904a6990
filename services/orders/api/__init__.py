"""orders's HTTP API: flask-smorest blueprints, one module per area, and schemas.py.
bootstrap takes the list from blueprints() (the orders issue adds its own)."""
from services.chassis import orgs


def blueprints() -> list:
    return [orgs.blueprint("orders")]
