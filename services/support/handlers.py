"""support's event (policy) handlers: the org directory and the customers' names."""
from contracts.catalogue import topic_for
from services.chassis import orgs
from services.support import customers


def subscriptions() -> dict:
    """Incoming events this service acts on, by topic and type."""
    found = orgs.subscriptions()
    found[topic_for("identity")]["CustomerCreated"] = customers.on_customer_created
    return found
