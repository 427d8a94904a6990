"""Orgs and their portal settings: load the aggregate, call it, append its events in one
transaction."""
from services.identity.domain.commands import ChangeOrganizationStatus, ChangePortalSettings, CreateOrganization
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


def change_status(rt, cmd: ChangeOrganizationStatus) -> None:
    with rt.store.unit_of_work() as uow:
        org = uow.load(Organization, cmd.org_id, cmd.org_id)
        if cmd.action == "suspend":
            org.suspend(cmd.reason)
        elif cmd.action == "resume":
            org.resume()
        elif cmd.action == "close":
            org.close()
        else:
            raise ValueError(f"unknown action {cmd.action!r}")
        uow.add(org)
        uow.commit()
