"""What documents is made of, wired once per process by services.chassis.runtime.bootstrap."""
from pathlib import Path

from services.chassis.runtime import ServiceSpec
from services.documents import handlers, projections


def _blueprints():
    from services.documents.api import blueprints
    return blueprints()


SPEC = ServiceSpec(
    name="documents",
    title="documents service",
    metadata=projections.metadata,
    migrations=Path(__file__).parent / "migrations",
    projections=projections.all_projections,
    subscriptions=handlers.subscriptions,
    blueprints=_blueprints,
)
