"""What documents is made of, wired once per process by services.chassis.runtime.bootstrap:
SPEC, the command handlers (COMMAND_HANDLERS: command class -> handler), the event handlers
(EVENT_HANDLERS: topic -> event type -> handlers, run in list order) and its port to the
outside world, the file storage (rt.ports["storage"]: local disk or S3, adapters/storage.py)."""
from pathlib import Path

from contracts.catalogue import topic_for
from services.chassis import orgs
from services.chassis.runtime import ServiceSpec, subscriptions_of
from services.documents import projections, tables
from services.documents.adapters.storage import storage_from
from services.documents.domain import commands as c
from services.documents.handlers import decisions, documents

COMMAND_HANDLERS = {
    c.ShareDocument: documents.share_document,
    c.AddVersion: documents.add_version,
    c.WithdrawDocument: documents.withdraw_document,
    c.UploadFile: documents.upload_file,
    c.DecideQuote: decisions.decide_quote,
    c.SignAgreement: decisions.sign_agreement,
    c.ForwardDocument: decisions.forward_document,
}

# Incoming events, by topic and type: the handlers run in this order, in one transaction.
EVENT_HANDLERS = {
    topic_for("identity"): {
        "OrganizationCreated": [orgs.on_organization_created],       # the org directory
        "PortalSettingsChanged": [orgs.on_portal_settings_changed],  # uploads on, their limit, forwarding
    },
}


def subscriptions() -> dict:
    """What the consumer runs: one handler per (topic, type) running EVENT_HANDLERS' list."""
    return subscriptions_of(EVENT_HANDLERS)


def _blueprints():
    from services.documents.api import blueprints
    return blueprints()


def _ports(rt) -> dict:
    return {"storage": storage_from(rt.config)}


SPEC = ServiceSpec(
    name="documents",
    title="documents service",
    metadata=tables.metadata,
    migrations=Path(__file__).parent / "migrations",
    projections=projections.all_projections,
    subscriptions=subscriptions,
    blueprints=_blueprints,
    ports=_ports,
)
