"""What billing is made of, wired once per process by services.chassis.runtime.bootstrap."""
from pathlib import Path

from services.chassis.runtime import ServiceSpec
from services.billing import handlers, projections


def _blueprints():
    from services.billing.api import blueprints
    from services.billing.api_documents import blp as documents
    from services.billing.api_webhooks import blp as webhooks
    from services.billing.api_statement import blp as statement
    from services.billing.api_payment_links import blp as payment_links
    from services.billing.api_returns import blp as returns
    from services.billing.api_gateway_connections import blp as gateway_connections
    return [*blueprints(), documents, webhooks, statement, returns, payment_links, gateway_connections]


def _background():
    from services.billing import expiry
    return [expiry.loop]              # abandoned "initiated" payments expire (expiry.py)


SPEC = ServiceSpec(
    name="billing",
    title="billing service",
    metadata=projections.metadata,
    migrations=Path(__file__).parent / "migrations",
    projections=projections.all_projections,
    subscriptions=handlers.subscriptions,
    blueprints=_blueprints,
    background=_background,
)
