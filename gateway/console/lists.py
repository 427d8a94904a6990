"""What the console's cursor-paged lists (sales orders, documents) share: reading one
page of a service's list, and the link to the next one. A page link from before (a cursor the
service no longer takes, or one edited by hand) is no error page: the list starts again from
its first page and says why, in the service's words."""
from __future__ import annotations

from flask import url_for

from gateway.clients.base import ServiceProblem
from gateway.console.invoices import _sentence


def cursor_page(fetch, filters: dict, cursor: str | None, limit: int) -> tuple[dict, str | None, list[str]]:
    """`fetch(query)` for `filters` at `cursor`: (the page, the cursor it is at, sentences to show)."""
    try:
        return fetch({**filters, "cursor": cursor, "limit": limit}), cursor, []
    except ServiceProblem as problem:
        if problem.status not in (400, 422):
            raise
        return fetch({**filters, "limit": limit}), None, [_sentence(problem)]


def next_url(endpoint: str, page: dict, query: dict) -> str | None:
    return url_for(endpoint, cursor=page["next_cursor"], **query) if page.get("next_cursor") else None
