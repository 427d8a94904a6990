"""Finding customers: by name, a page at a time (keyset, so page 400 costs what page 1
does), with a search over name and e-mail."""
from __future__ import annotations

import base64
import json

from sqlalchemy import and_, func, or_, select

from services.chassis.errors import DomainError
from services.identity.projections import customers


def _cursor(row) -> str:
    return base64.urlsafe_b64encode(json.dumps([row["name"], row["customer_id"]]).encode()).decode()


def _position(after: str) -> tuple[str, str]:
    try:
        name, customer_id = json.loads(base64.urlsafe_b64decode(after.encode()))
        if isinstance(name, str) and isinstance(customer_id, str):
            return name, customer_id
    except (ValueError, TypeError):
        pass
    raise DomainError("This page link is not valid; start from the first page.", field="after")


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def customers_page(conn, org_id: str, q: str | None, after: str | None, limit: int) -> tuple[list, str | None]:
    query = select(customers).where(customers.c.org_id == org_id)
    if q and q.strip():
        pattern = _like(q.strip())
        query = query.where(or_(func.lower(customers.c.name).like(pattern, escape="\\"),
                                func.lower(customers.c.email).like(pattern, escape="\\")))
    if after:
        name, customer_id = _position(after)
        query = query.where(or_(customers.c.name > name,
                                and_(customers.c.name == name, customers.c.customer_id > customer_id)))
    rows = [r._mapping for r in conn.execute(
        query.order_by(customers.c.name, customers.c.customer_id).limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (_cursor(rows[-1]) if more else None)
