"""What notifications is made of, wired once per process by services.chassis.runtime.bootstrap."""
from pathlib import Path

from services.chassis.runtime import ServiceSpec
from services.notifications import handlers, projections


def _blueprints():
    from services.notifications.api import blueprints
    return blueprints()


def _background():
    from services.notifications.mail import send_emails
    from services.notifications.staff_mail import send_digests
    from services.notifications.webhooks import deliver_webhooks
    return [deliver_webhooks, send_emails, send_digests]


SPEC = ServiceSpec(
    name="notifications",
    title="notifications service",
    metadata=projections.metadata,
    migrations=Path(__file__).parent / "migrations",
    projections=projections.all_projections,
    subscriptions=handlers.subscriptions,
    blueprints=_blueprints,
    background=_background,
)
