"""Command handlers: load the aggregate, call it, append its events in one transaction."""
from services.chassis.eventstore import EventStore
from services.identity.domain.commands import ChangePortalSettings, CreateCustomer, CreateOrganization
from services.identity.domain.customer import Customer
from services.identity.domain.organization import Organization


def create_organization(cmd: CreateOrganization, store: EventStore) -> str:
    with store.unit_of_work() as uow:
        org = Organization.create(cmd.name, cmd.slug, cmd.host)
        uow.add(org)
        uow.commit()
    return org.id


def change_portal_settings(cmd: ChangePortalSettings, store: EventStore) -> None:
    with store.unit_of_work() as uow:
        org = uow.load(Organization, cmd.org_id, cmd.org_id)
        org.change_settings(cmd.changes)
        uow.add(org)
        uow.commit()


def create_customer(cmd: CreateCustomer, store: EventStore) -> str:
    with store.unit_of_work() as uow:
        uow.load(Organization, cmd.org_id, cmd.org_id)       # 404 for an unknown org
        customer = Customer.create(cmd.org_id, cmd.name, cmd.email)
        uow.add(customer)
        uow.commit()
    return customer.id
