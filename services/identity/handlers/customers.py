"""Customers of an org (their contacts are handlers/people.py's)."""
from services.identity.domain.commands import ChooseCustomerModules, CreateCustomer, UpdateCustomer
from services.identity.domain.customer import Customer
from services.identity.domain.organization import Organization


def create_customer(rt, cmd: CreateCustomer) -> str:
    with rt.store.unit_of_work() as uow:
        uow.load(Organization, cmd.org_id, cmd.org_id)       # 404 for an unknown org
        customer = Customer.create(cmd.org_id, cmd.name, cmd.email, address=cmd.address, tax=cmd.tax_id)
        uow.add(customer)
        uow.commit()
    return customer.id


def update_customer(rt, cmd: UpdateCustomer) -> None:
    with rt.store.unit_of_work() as uow:
        customer = uow.load(Customer, cmd.customer_id, cmd.org_id)     # 404 outside the org
        customer.update(cmd.name, cmd.email, cmd.address, cmd.tax_id)
        uow.add(customer)
        uow.commit()


def choose_modules(rt, cmd: ChooseCustomerModules) -> None:
    with rt.store.unit_of_work() as uow:
        customer = uow.load(Customer, cmd.customer_id, cmd.org_id)     # 404 outside the org
        customer.choose_modules(cmd.modules)
        uow.add(customer)
        uow.commit()
