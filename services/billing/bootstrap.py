"""What billing is made of, wired once per process by services.chassis.runtime.bootstrap."""
from pathlib import Path

from services.chassis.runtime import ServiceSpec
from services.billing import handlers, projections


def _blueprints():
    from services.billing.api import blueprints
    from services.billing.api_documents import blp as documents
    from services.billing.api_webhooks import blp as webhooks
    return [*blueprints(), documents, webhooks]


SPEC = ServiceSpec(
    name="billing",
    title="billing service",
    metadata=projections.metadata,
    migrations=Path(__file__).parent / "migrations",
    projections=projections.all_projections,
    subscriptions=handlers.subscriptions,
    blueprints=_blueprints,
)
