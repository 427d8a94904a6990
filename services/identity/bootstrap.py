"""What identity is made of, wired once per process by services.chassis.runtime.bootstrap."""
from pathlib import Path

from services.chassis.runtime import ServiceSpec
from services.identity import projections


def _blueprints():
    from services.identity import (api, api_api_keys, api_branding, api_people, api_recovery, api_sessions,
                                   api_staff)
    return [api.blp, api_people.blp, api_sessions.blp, api_recovery.blp, api_api_keys.blp, api_branding.blp,
            api_staff.blp]


def _background():
    from services.identity.outbox import deliver_mail
    from services.identity.recovery import forget_links
    return [deliver_mail, forget_links]


SPEC = ServiceSpec(
    name="identity",
    title="identity service",
    metadata=projections.metadata,
    migrations=Path(__file__).parent / "migrations",
    projections=projections.all_projections,
    subscriptions=dict,
    blueprints=_blueprints,
    background=_background,
)
