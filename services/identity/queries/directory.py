"""The directory the API reads: orgs, customers, contacts and staff. Customers come by
name, a page at a time (keyset, so page 400 costs what page 1 does), with a search over
name and e-mail. An id of another org is a 404, like an unknown one."""
from __future__ import annotations

import base64
import json

from sqlalchemy import and_, func, or_, select

from services.chassis.db import read_only
from services.chassis.errors import DomainError, NotFound
from services.identity.projections.directory import contacts, customers, organizations, staff
from services.identity.queries.domains import org_id_at


def page_cursor(name: str, row_id: str) -> str:
    """The `after` of the page that follows a row (name, id): by name pages share it."""
    return base64.urlsafe_b64encode(json.dumps([name, row_id]).encode()).decode()


def page_position(after: str) -> tuple[str, str]:
    try:
        name, customer_id = json.loads(base64.urlsafe_b64decode(after.encode()))
        if isinstance(name, str) and isinstance(customer_id, str):
            return name, customer_id
    except (ValueError, TypeError):
        pass
    raise DomainError("This page link is not valid; start from the first page.", field="after")


def like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_org(conn, **where):
    """The org whose columns have these values (org_id=..., host=...), or 404."""
    query = select(organizations)
    for column, value in where.items():
        query = query.where(organizations.c[column] == value)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound("No such organization.")
    return row


def organization(rt, **where):
    """By host, a verified custom domain of the org also finds it (queries/domains.py)."""
    with read_only(rt.engine) as conn:
        if "host" in where:
            try:
                return find_org(conn, **where)._mapping
            except NotFound:
                org_id = org_id_at(conn, where["host"])
                if org_id is None:
                    raise
                return find_org(conn, org_id=org_id)._mapping
        return find_org(conn, **where)._mapping


def _one(conn, table, key, value, org_id, what):
    row = conn.execute(select(table).where(table.c[key] == value, table.c.org_id == org_id)).first()
    if row is None:
        raise NotFound(f"No such {what}.")
    return row._mapping


def customer(rt, org_id: str, customer_id: str):
    with read_only(rt.engine) as conn:
        return _one(conn, customers, "customer_id", customer_id, org_id, "customer")


def contact(rt, org_id: str, contact_id: str):
    with read_only(rt.engine) as conn:
        return _one(conn, contacts, "contact_id", contact_id, org_id, "contact")


def contacts_of(rt, org_id: str, customer_id: str) -> list:
    """A customer's contacts by name; 404 for a customer of another org."""
    with read_only(rt.engine) as conn:
        _one(conn, customers, "customer_id", customer_id, org_id, "customer")
        return [r._mapping for r in conn.execute(
            select(contacts).where(contacts.c.customer_id == customer_id, contacts.c.org_id == org_id)
            .order_by(contacts.c.name))]


def staff_member(rt, org_id: str, staff_id: str):
    with read_only(rt.engine) as conn:
        return _one(conn, staff, "staff_id", staff_id, org_id, "staff member")


def all_staff(rt, org_id: str) -> list:
    with read_only(rt.engine) as conn:
        return [r._mapping for r in conn.execute(
            select(staff).where(staff.c.org_id == org_id).order_by(staff.c.name))]


def customers_page(rt, org_id: str, q: str | None, after: str | None, limit: int) -> tuple[list, str | None]:
    query = select(customers).where(customers.c.org_id == org_id)
    if q and q.strip():
        pattern = like_pattern(q.strip())
        query = query.where(or_(func.lower(customers.c.name).like(pattern, escape="\\"),
                                func.lower(customers.c.email).like(pattern, escape="\\")))
    if after:
        name, customer_id = page_position(after)
        query = query.where(or_(customers.c.name > name,
                                and_(customers.c.name == name, customers.c.customer_id > customer_id)))
    with read_only(rt.engine) as conn:
        rows = [r._mapping for r in conn.execute(
            query.order_by(customers.c.name, customers.c.customer_id).limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (page_cursor(rows[-1]["name"], rows[-1]["customer_id"]) if more else None)


def contact_counts(rt, org_id: str) -> dict:
    """The org's contacts by state: one grouped count on the directory's contacts."""
    with read_only(rt.engine) as conn:
        rows = conn.execute(select(contacts.c.status, func.count()).where(contacts.c.org_id == org_id)
                            .group_by(contacts.c.status)).all()
    return {"created": 0, "invited": 0, "active": 0, "disabled": 0, **{status: n for status, n in rows}}


def all_orgs(rt) -> list:
    """Every org of the deployment, by slug (the operator's list)."""
    with read_only(rt.engine) as conn:
        return [r._mapping for r in conn.execute(select(organizations).order_by(organizations.c.slug))]
