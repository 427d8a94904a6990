"""What identity is made of, wired once per process by services.chassis.runtime.bootstrap."""
from pathlib import Path

from services.chassis.runtime import ServiceSpec
from services.identity import projections


def _blueprints():
    from services.identity.api import blp
    return [blp]


SPEC = ServiceSpec(
    name="identity",
    title="identity service",
    metadata=projections.metadata,
    migrations=Path(__file__).parent / "migrations",
    projections=projections.all_projections,
    subscriptions=dict,
    blueprints=_blueprints,
)
