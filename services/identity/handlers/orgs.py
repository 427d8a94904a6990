"""Orgs and their portal settings: load the aggregate, call it, append its events in one
transaction."""
from services.identity.domain.commands import ChangePortalSettings, CreateOrganization
from services.identity.domain.organization import Organization


def create_organization(rt, cmd: CreateOrganization) -> str:
    with rt.store.unit_of_work() as uow:
        org = Organization.create(cmd.name, cmd.slug, cmd.host)
        uow.add(org)
        uow.commit()
    return org.id


def change_portal_settings(rt, cmd: ChangePortalSettings) -> None:
    with rt.store.unit_of_work() as uow:
        org = uow.load(Organization, cmd.org_id, cmd.org_id)
        org.change_settings(cmd.changes)
        uow.add(org)
        uow.commit()
