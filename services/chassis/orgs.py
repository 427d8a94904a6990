"""Every service keeps a local copy of the orgs and their portal settings, fed by
identity's events, so it can check tenancy and module switches without a call."""
from __future__ import annotations

from sqlalchemy import JSON, Column, String, Table, select, update

from contracts.catalogue import topic_for
from services.chassis.db import upsert_insert
from services.chassis.errors import NotFound
from services.chassis.events import Event
from services.chassis.tables import metadata

known_orgs = Table(
    "known_orgs", metadata,
    Column("org_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("host", String(255)),
    Column("settings", JSON, nullable=False),
)


def on_organization_created(event: Event, uow) -> None:
    d = event.data
    ins = upsert_insert(uow.conn, known_orgs)
    uow.conn.execute(ins.values(org_id=event.org_id, name=d["name"], host=d.get("host"),
                                settings=d.get("settings") or {})
                     .on_conflict_do_nothing(index_elements=["org_id"]))


def on_portal_settings_changed(event: Event, uow) -> None:
    done = uow.conn.execute(update(known_orgs).where(known_orgs.c.org_id == event.org_id)
                            .values(settings=event.data["settings"]))
    if done.rowcount == 0:
        raise LookupError(f"settings for unknown org {event.org_id}: OrganizationCreated not seen yet")


def subscriptions() -> dict:
    return {topic_for("identity"): {
        "OrganizationCreated": on_organization_created,
        "PortalSettingsChanged": on_portal_settings_changed,
    }}


def get(conn, org_id: str) -> dict:
    row = conn.execute(select(known_orgs).where(known_orgs.c.org_id == org_id)).first()
    if row is None:
        raise NotFound(f"No organization {org_id}.")
    return dict(row._mapping)


def settings(conn, org_id: str) -> dict:
    """The org's portal settings as this service last heard them; {} for an org it has not
    heard of yet (its OrganizationCreated is on its way): callers apply their own defaults,
    which deny what the org has not switched on."""
    row = conn.execute(select(known_orgs.c.settings).where(known_orgs.c.org_id == org_id)).first()
    return (row.settings or {}) if row is not None else {}


def blueprint(service: str):
    """`GET /orgs/<org_id>`: this service's copy of an org (what it knows of identity)."""
    from flask.views import MethodView
    from flask_smorest import Blueprint
    from marshmallow import Schema, fields

    from services.chassis import auth
    from services.chassis.db import read_only
    from services.chassis.web import runtime

    class KnownOrg(Schema):
        org_id = fields.String()
        name = fields.String()
        host = fields.String(allow_none=True)
        settings = fields.Dict()

    blp = Blueprint(f"{service}_orgs", __name__, description="Organizations known to this service")

    @blp.route("/orgs/<org_id>")
    class OrgView(MethodView):
        @auth.requires("staff", "system")
        @blp.response(200, KnownOrg)
        def get(self, org_id):
            with read_only(runtime().engine) as conn:
                return get(conn, org_id)

    return blp
