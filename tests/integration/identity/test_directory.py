"""Finding customers through identity's API, on SQLite and PostgreSQL: by name, a page at a
time with a cursor, searched by name or e-mail, and never another org's."""
from __future__ import annotations

import uuid

from tests.integration.identity.test_signin import portal  # noqa: F401 - the fixture
from tests.helpers.tokens import bearer, system


def page(portal, **params):  # noqa: F811
    answer = portal.client.get(f"/orgs/{portal.org}/customers", query_string=params)
    assert answer.status_code == 200, answer.get_json()
    return [c["name"] for c in answer.get_json()], answer.headers.get("X-Next-Cursor")


def test_pages_follow_the_name_and_cover_every_customer_once(portal):  # noqa: F811
    names = [f"Customer {i:02d}" for i in range(23)] + ["Customer 05"]       # a twin name
    for name in reversed(names):
        portal.post("/customers", {"name": name, "email": f"{uuid.uuid4().hex[:6]}@c.test"})
    seen, after = [], None
    while True:
        names_on_page, after = page(portal, limit=10, **({"after": after} if after else {}))
        seen += names_on_page
        if after is None:
            break
    assert seen == sorted(names) and len(seen) == 24


def test_search_matches_name_or_email_ignoring_case_and_wildcards(portal):  # noqa: F811
    portal.post("/customers", {"name": "Globex Ltd", "email": "ap@globex.test"})
    portal.post("/customers", {"name": "Initech", "email": "billing@initech.test"})
    portal.post("/customers", {"name": "100% Pure", "email": "hello@pure.test"})
    assert page(portal, q="GLOB")[0] == ["Globex Ltd"]
    assert page(portal, q="billing@")[0] == ["Initech"]
    assert page(portal, q="%")[0] == ["100% Pure"]           # a literal percent, not "anything"
    assert page(portal, q="_")[0] == []
    assert page(portal, q="nobody")[0] == []


def test_another_orgs_customers_never_show(portal):  # noqa: F811
    portal.post("/customers", {"name": "Ours Ltd", "email": "a@ours.test"})
    other = portal.client.post("/orgs", json={"name": "Other", "slug": f"other-{uuid.uuid4().hex[:8]}"},
                               headers=system()).get_json()["org_id"]
    staff = bearer("staff", other)
    portal.client.post(f"/orgs/{other}/customers", json={"name": "Theirs Ltd", "email": "a@theirs.test"},
                       headers=staff)
    assert page(portal)[0] == ["Ours Ltd"]


def test_a_forged_cursor_or_a_silly_limit_is_a_clear_422(portal):  # noqa: F811
    answer = portal.client.get(f"/orgs/{portal.org}/customers", query_string={"after": "bm90IGpzb24"})
    assert answer.status_code == 422 and "page link" in answer.get_json()["detail"]
    answer = portal.client.get(f"/orgs/{portal.org}/customers", query_string={"limit": 5000})
    assert answer.status_code == 422 and "limit" in answer.get_json()["errors"]["query"]
