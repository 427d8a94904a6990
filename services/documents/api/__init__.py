"""documents's HTTP API: flask-smorest blueprints, one module per audience (documents.py for
staff and API keys, portal.py for a customer's contacts), schemas.py, and files.py which
sends a file's bytes. bootstrap takes the list from blueprints()."""
from services.chassis import orgs
from services.documents.api import documents, portal


def blueprints() -> list:
    return [orgs.blueprint("documents"), documents.blp, portal.blp]
