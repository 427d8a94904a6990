"""documents's command handlers and event (policy) handlers."""
from services.chassis import orgs


def subscriptions() -> dict:
    """Incoming events this service acts on, by topic and type."""
    return orgs.subscriptions()
