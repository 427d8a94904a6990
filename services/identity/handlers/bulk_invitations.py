"""Inviting many people at once (the console's CSV import): each row is planned first
(checked, its customer found, the address looked up), then every row that should be invited
is: a contact added where there is none, the invitation mailed.

Idempotent per (customer, e-mail): a row whose contact is already invited or active is
skipped, so a double submit (or the same file twice) invites nobody twice. Rows are written
CHUNK at a time in one transaction each; a chunk that fails (a row taken by another request
meanwhile) is written again row by row, so one bad row never costs the others. The mails
leave through the outbox, handed to notifications by the worker."""
from __future__ import annotations

from sqlalchemy import func, select

from services.chassis.errors import PortalError
from services.identity.domain.commands import InviteMany
from services.identity.domain.contact import Contact
from services.identity.domain.customer import Customer
from services.identity.domain.invitation_rows import RowProblem, checked_row
from services.identity.handlers.invitations import issue
from services.identity.handlers.people import add_credentials
from services.identity.projections.directory import contacts, customers
from services.identity.queries.directory import find_org

CHUNK = 100
SLICE = 500                     # values per IN (...) when looking rows up


def _slices(values: list):
    for start in range(0, len(values), SLICE):
        yield values[start:start + SLICE]


def _customers_named(conn, org_id: str, refs: set[str]) -> dict[str, list]:
    """The org's customers a row may name: by id, and by name in lower case (a list: two
    customers may share a name)."""
    found: dict[str, list] = {}
    for part in _slices(sorted(refs)):
        query = select(customers.c.customer_id, customers.c.name).where(
            customers.c.org_id == org_id,
            customers.c.customer_id.in_(part) | func.lower(customers.c.name).in_([r.lower() for r in part]))
        for row in conn.execute(query):
            found[row.customer_id] = [row]
            if row not in found.setdefault(row.name.lower(), []):
                found[row.name.lower()].append(row)
    return found


def _contacts_by_email(conn, org_id: str, emails: set[str]) -> dict:
    found = {}
    for part in _slices(sorted(emails)):
        for row in conn.execute(select(contacts.c.contact_id, contacts.c.email, contacts.c.customer_id,
                                       contacts.c.status, customers.c.name.label("customer_name"))
                                .join(customers, customers.c.customer_id == contacts.c.customer_id)
                                .where(contacts.c.org_id == org_id, contacts.c.email.in_(part))):
            found[row.email] = row
    return found


def plan(conn, org_id: str, items) -> list[dict]:
    """What would happen to each item: outcome "invite", "already_invited", "already_contact"
    or "failed" (with `field` and `message`). A customer of another org is unknown."""
    results, rows = [], {}
    for index, item in enumerate(items):
        try:
            rows[index] = checked_row(item)
        except RowProblem as problem:
            results.append({"index": index, "outcome": "failed", "field": problem.field,
                            "message": problem.message})
            continue
        results.append({"index": index, "outcome": "invite", "email": rows[index]["email"]})
    named = _customers_named(conn, org_id, {r["customer"] for r in rows.values()})
    known = _contacts_by_email(conn, org_id, {r["email"] for r in rows.values()})
    seen: set[str] = set()
    for index, row in rows.items():
        result = results[index]
        result.update(name=row["name"], permissions=row["permissions"], language=row["language"],
                      customer_id=None, customer_name=row["customer"], new_customer=False, contact_id=None)
        _decide(result, row, named, known, seen)
    return results


def _decide(result: dict, row: dict, named: dict, known: dict, seen: set) -> None:
    matches = named.get(row["customer"]) or named.get(row["customer"].lower()) or []
    if len(matches) > 1:
        return _fail(result, "customer", f"{len(matches)} customers are called '{row['customer']}': "
                                         "give the customer's id instead")
    if matches:
        result.update(customer_id=matches[0].customer_id, customer_name=matches[0].name)
    elif row["create_customer"]:
        result["new_customer"] = True
    else:
        return _fail(result, "customer", f"the customer '{row['customer']}' is not known (give its exact name "
                                         "or id, or let the import create missing customers)")
    if row["email"] in seen:
        return _fail(result, "email", f"the e-mail address '{row['email']}' is in the list twice: "
                                      "only its first row is invited")
    seen.add(row["email"])
    contact = known.get(row["email"])
    if contact is None:
        return None
    if contact.customer_id != result["customer_id"]:
        return _fail(result, "email", f"the e-mail address '{row['email']}' already belongs to a contact "
                                      f"of {contact.customer_name}")
    result["contact_id"] = contact.contact_id
    if contact.status == "invited":
        result["outcome"] = "already_invited"
        result["message"] = "already invited: resend the invitation from the invitations page if it was lost"
    elif contact.status != "created":
        result["outcome"] = "already_contact"
        result["message"] = ("already a contact, whose access is disabled" if contact.status == "disabled"
                             else "already a contact who can sign in")
    return None


def _fail(result: dict, field: str, message: str) -> None:
    result.update(outcome="failed", field=field, message=message)


def invite_many(rt, cmd: InviteMany) -> list[dict]:
    """Each item's result (see `plan`); without dry_run the planned invitations are sent and
    their outcome is "invited"."""
    with rt.engine.connect() as conn:
        results = plan(conn, cmd.org_id, cmd.items)
    if cmd.dry_run:
        return results
    todo = [r for r in results if r["outcome"] == "invite"]
    made: dict[str, str] = {}                   # new customers' names (lower case) -> ids
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start:start + CHUNK]
        try:
            _write(rt, cmd, chunk, made)
        except PortalError:                     # refused (taken meanwhile, a conflict): one by one
            for result in chunk:
                _write_one(rt, cmd, result, made)
    return results


def _write_one(rt, cmd: InviteMany, result: dict, made: dict) -> None:
    try:
        _write(rt, cmd, [result], made)
    except PortalError as exc:
        with rt.engine.connect() as conn:        # taken meanwhile (a double submit)? then say so
            again = plan(conn, cmd.org_id, [cmd.items[result["index"]]])[0]
        if again["outcome"] in ("already_invited", "already_contact"):
            result.update({k: v for k, v in again.items() if k != "index"})
        else:
            _fail(result, getattr(exc, "extensions", {}).get("field") or "email", str(exc.detail).rstrip("."))


def _write(rt, cmd: InviteMany, chunk: list[dict], made: dict) -> None:
    org_id, fresh, sent = cmd.org_id, {}, []
    with rt.store.unit_of_work() as uow:
        org = find_org(uow.conn, org_id=org_id)
        for result in chunk:
            key = result["customer_name"].lower()
            customer_id = result["customer_id"] or made.get(key) or fresh.get(key)
            if customer_id is None:
                customer = Customer.create(org_id, result["customer_name"], result["email"])
                uow.add(customer)
                customer_id = fresh[key] = customer.id
            if result["contact_id"]:
                contact = uow.load(Contact, result["contact_id"], org_id)
            else:
                contact = Contact.add(org_id, customer_id, result["email"], result["name"], result["permissions"])
                add_credentials(uow.conn, org_id, "contact", contact.id, contact.email)
                if result["language"]:
                    contact.update_profile({"language": result["language"]})
            issue(uow, org, contact, cmd.link_base, cmd.inviter)
            sent.append((result, customer_id, contact.id))
        uow.commit()
    made.update(fresh)
    for result, customer_id, contact_id in sent:
        result.update(outcome="invited", customer_id=customer_id, contact_id=contact_id, message=None)
