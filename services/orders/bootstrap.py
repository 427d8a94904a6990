"""What orders is made of, wired once per process by services.chassis.runtime.bootstrap."""
from pathlib import Path

from services.chassis.runtime import ServiceSpec
from services.orders import handlers, projections


def _blueprints():
    from services.orders.api import blueprints
    return blueprints()


SPEC = ServiceSpec(
    name="orders",
    title="orders service",
    metadata=projections.metadata,
    migrations=Path(__file__).parent / "migrations",
    projections=projections.all_projections,
    subscriptions=handlers.subscriptions,
    blueprints=_blueprints,
)
