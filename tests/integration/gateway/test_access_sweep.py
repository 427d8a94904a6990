"""The access sweep (issue 14): nobody reaches another customer's or another org's objects, by
id, in a list or in a search, on any route of the portal, the console or /api/v1.

- Org X has customers A and B, org Y a customer of its own; each has objects of every kind,
  made through the real services behind the gateway by the access matrix's samples
  (test_access_matrix.URL_SAMPLES / ROUTE_SAMPLES), plus a message on a ticket and an entry in
  the activity feed.
- The routes come from `app.url_map` (test_access_matrix.GROUPS), so a route added later is
  swept at once; a URL parameter without a sample fails with a message saying what to add.
- Portal: a contact of A with every module and permission asks for B's and Y's ids, console:
  an owner of X for Y's, /api/v1: a key of X with every scope for Y's (a key is the org's, it
  cannot be narrowed to one customer). Each id goes in the parameter of its kind, one at a time
  among one's own ids, and all at once; a route that takes POSTs gets the form (or, on the API,
  the body) that would succeed. Every answer is 404 (problem+json on the API), or, for a form
  that flashes its refusal on a page, exactly what the same form gets for an id that exists
  nowhere. A form without an id in its URL but one in its fields (an invoice to pay, a customer
  to invoice) is sent with the others' ids too.
- Every list and search (no id in the URL) is asked plainly and with `q=`, `number=`,
  `customer_id=` and `payment=` set to the others' names, numbers and ids (each argument the
  route reads): it shows none of them.
- Nothing changes: no service's database is written during any request (service_state.py),
  and identity's state is as it was after each route.
The sweep prints what it tried at the end: "access sweep: N routes, M ids tried, K requests".
"""
from __future__ import annotations

import io
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

import pytest

from gateway.web.access import API, CONSOLE, PERMISSIONS, PORTAL
from tests.integration.gateway import notifications_backend, service_state, support_backend
from tests.integration.gateway.conftest import Browser, make_app, text
from tests.integration.gateway.fake_api_keys import SCOPES
from tests.integration.gateway.test_access_matrix import (GROUPS, MATRIX_PDF, NO_RATE_LIMITS, MatrixIdentity, Route,
                                                          Stage, Tenant, URL_SAMPLES, done_for, readable, snapshot)
from tests.integration.gateway.test_payment_links import SigningApiKeys

# URL parameters that are not an object's id: a public link's token (the public pages have
# their own tests), a payment gateway's name, a kind of e-mail, a locale, and a week of the
# timesheets (each customer decides its own weeks; the same week is everyone's).
NOT_IDS = {"token", "name", "kind", "locale", "week", "step"}
# The query arguments of lists and searches, and which of the others' values each is asked with.
SEARCHES = {"q": ("texts", "numbers"), "number": ("numbers",), "customer_id": ("customers",),
            "payment": ("payments",)}
PROBE = "sweep-probe-0000"
OTHERS = {"portal": "portal", "console": "console", "api": "console"}    # whose objects each audience must not see
# The body an /api/v1 write with an id takes when it succeeds ({} where that does), so that
# the id is looked up rather than the body refused first (`t`: the asking org's, for ids in it).
API_BODIES: dict[str, Callable[[Tenant], dict]] = {
    "PATCH api_v1.sales_order": lambda t: {"notes": "Sweep"},
    "POST api_v1.delivery_status": lambda t: {"status": "in_transit"},
    "PATCH api_v1.project": lambda t: {"name": "Sweep"},
    "POST api_v1.add_task": lambda t: {"title": "Sweep task"},
    "POST api_v1.add_milestone": lambda t: {"name": "Sweep milestone"},
    "PATCH api_v1.service_request": lambda t: {"status": "in_progress"},
    "POST api_v1.service_request_update": lambda t: {"text": "Sweep"},
    "POST api_v1.apply_credit": lambda t: {"invoice_id": URL_SAMPLES["invoice_id"](t), "amount_minor": 100},
    "POST api_v1.refund_credit": lambda t: {"amount_minor": 100, "reason": "Sweep"},
    "POST api_v1.add_document_version": lambda t: {"file": (io.BytesIO(MATRIX_PDF), "sweep.pdf")},   # multipart
}
SHORTEST_MARKER = 6                  # shorter names and titles ("Build") are everyone's words
AN_ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")      # a uuid, dashed or not


class SweepIdentity(MatrixIdentity, SigningApiKeys):
    """The matrix's fake identity whose API keys get internal tokens the real services take,
    and which still answers /api/v1's customer routes for them (its own HTTP side)."""

    def _exchange(self, body, org):
        grant = super()._exchange(body, org)
        self.tokens[grant["internal_token"]] = (grant["key_id"], time.time() + grant["expires_in"])
        return grant


@dataclass
class Tally:
    routes: set = field(default_factory=set)
    ids: set = field(default_factory=set)
    requests: int = 0
    like_unknown: int = 0           # writes answered as for an id that exists nowhere

    def line(self) -> str:
        return (f"access sweep: {len(self.routes)} routes, {len(self.ids)} ids tried, {self.requests} requests: "
                f"all 404 or empty ({self.like_unknown} writes answered as for an id that exists nowhere)")


TALLY = Tally()


@dataclass
class Seeded:
    """What a tenant's objects would give away: their ids, numbers, names and titles."""
    ids: set = field(default_factory=set)
    numbers: set = field(default_factory=set)
    texts: set = field(default_factory=set)          # what one types into a search: names, titles
    customers: set = field(default_factory=set)
    payments: set = field(default_factory=set)

    def markers(self) -> set:
        return self.ids | self.numbers | self.texts

    def __or__(self, other: Seeded) -> Seeded:
        return Seeded(*(getattr(self, f) | getattr(other, f) for f in ("ids", "numbers", "texts", "customers",
                                                                         "payments")))


@dataclass
class Foreign:
    """What one audience's visitor must never see: the others' values, searched for as they
    are, and looked for on the answers but for those the visitor has too (each org numbers
    its own invoices from INV-000001; a project's tasks have the same titles)."""
    searched: Seeded
    markers: set


def foreign(others: Seeded, own: Seeded) -> Foreign:
    return Foreign(others, others.markers() - own.markers() - own.texts)


def seeded(t: Tenant) -> Seeded:
    """Everything the tenant's samples made (walked from what the Tenant remembers)."""
    found = Seeded(customers={t.customer["customer_id"]})
    found.texts |= {t.customer["name"], t.org["name"], t.ann.name, t.ann.email}
    found.ids |= {login.id for login in (t.ann, t.cleo, t.dora)}

    def walk(value, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and len(value) >= SHORTEST_MARKER:
            if key.endswith("_id") and key != "org_id":
                found.ids.add(value)
                if key == "payment_id":
                    found.payments.add(value)
            elif key == "number":
                found.numbers.add(value)
            elif key in ("title", "subject", "name", "body"):
                found.texts.add(value)

    for attr, value in vars(t).items():
        if attr not in ("fake", "org", "n") and isinstance(value, (dict, list)):
            walk(value)
    return found


def id_names(route: Route) -> list[str]:
    return [name for name in route.arguments if name not in NOT_IDS]


def id_routes(kind: str) -> list:
    return [pytest.param(r, id=str(r)) for r in GROUPS[kind] if id_names(r)]


def list_routes(kind: str) -> list:
    return [pytest.param(r, id=str(r)) for r in GROUPS[kind] if r.method == "GET" and not r.arguments]


# -- the world -----------------------------------------------------------------------------------
@dataclass
class World:
    stage: Stage
    x: Tenant                       # org X and its customer A, whose contact Ann asks
    b: Tenant                       # customer B of org X
    y: Tenant                       # org Y and its customer
    ann: Browser                    # A's contact, signed in with every module and permission
    owner: Browser                  # X's owner in the console
    key: str                        # X's API key with every scope
    others: dict[str, Foreign]      # "portal" / "console" (the API's too): what must not show there
    ids: dict[int, dict[str, list]]  # tenant's n -> {URL parameter: every id of its kind the tenant has}


def seed(t: Tenant) -> None:
    """Objects of every kind for the tenant's customer (every sample of every route), a
    message on its ticket and an entry in its org's activity feed."""
    for kind in (PORTAL, CONSOLE, API):
        for route in GROUPS[kind]:
            route.url(t)
    org = t.org["org_id"]
    t.said = support_backend.staff_says(org, t.ticket["ticket_id"], f"A word for {t.customer['name']} only")
    entry = notifications_backend.happened(org, actor={"kind": "contact", "id": t.ann.id}, name=activity_of(t))
    t.happened = {"entry_id": entry.aggregate_id, "name": activity_of(t)}


def ids_of(t: Tenant) -> dict[str, list[str]]:
    """Every id the tenant has for each id parameter: the samples of all the routes that take
    it (an issued invoice, a draft, a paid one; a quote, an agreement, a contract ...)."""
    found: dict[str, set] = {}
    for kind in (PORTAL, CONSOLE, API):
        for route in GROUPS[kind]:
            for name in id_names(route):
                found.setdefault(name, set()).add(route.sample(name, t))
    return {name: sorted(values) for name, values in found.items()}


def activity_of(t: Tenant) -> str:
    return f"Newco of {t.customer['name']}"


@pytest.fixture(scope="module")
def world(request) -> World:
    fake = SweepIdentity()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BILLING_SECRETS_KEY", "bWF0cml4LW9ubHktZmVybmV0LWtleS0wMDAwMDAwMDA=")
        stage = Stage(fake, make_app(fake, **NO_RATE_LIMITS))
        fake.serve(stage.app)                           # identity's side of /api/v1's customer routes
        x = stage.tenant("Xylo Trading")
        b, y = stage.neighbour(x), stage.tenant("Yonder Co")
        x.ann.permissions = list(PERMISSIONS)
        for t in (x, b, y):
            seed(t)
        a_, b_, y_ = seeded(x), seeded(b), seeded(y)
        others = {"portal": foreign(b_ | y_, a_), "console": foreign(y_, a_ | b_)}
        key = fake.add_key(x.org, name="Sweep", scopes=list(SCOPES))
        yield World(stage, x, b, y, stage.signed_in(x, x.ann), stage.signed_in(x, x.sam), key, others,
                    {t.n: ids_of(t) for t in (x, b, y)})
    plugins = request.config.pluginmanager
    reporter, capture = plugins.getplugin("terminalreporter"), plugins.getplugin("capturemanager")
    if reporter is not None and TALLY.requests:           # none in an xdist worker: its output is not shown
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(TALLY.line())


# -- asking ---------------------------------------------------------------------------------------
def ask(world: World, audience: str, route: Route, path: str, method: str | None = None, form: dict | None = None,
        query: dict | None = None):
    """One request as the audience's visitor; no service may write anything because of it."""
    method = method or route.method
    before = service_state.versions()
    if audience == "api":
        body = form if form is not None else {}
        sent = {"data": body} if any(isinstance(v, tuple) for v in body.values()) else {"json": body}
        response = world.stage.app.test_client().open(
            path, method=method, base_url=world.ann.base, query_string=query,
            headers={"Authorization": f"Bearer {world.key}"}, **(sent if method in ("POST", "PUT", "PATCH") else {}))
    else:
        browser = world.ann if audience == "portal" else world.owner
        response = browser.get(path, query_string=query) if method == "GET" else browser.post(path, form or {})
    TALLY.requests += 1
    TALLY.routes.add(str(route))
    after = service_state.versions()
    assert after == before, f"{method} {path} {query or ''} as {audience}: {service_state.written(before, after)} wrote"
    return response


def leaks(response, markers: set, asked: str) -> list[str]:
    """The markers the answer shows (whole words: INV-000012 is not INV-000001), but for what
    the visitor typed themselves (`asked`: the path and the search, which pages repeat)."""
    shown, asked = readable(response), asked.lower()
    return sorted(m for m in markers if m.lower() not in asked
                  and re.search(rf"(?<![\w-]){re.escape(m)}(?![\w-])", shown, re.I))


def refused(world: World, audience: str, route: Route, path: str, ids: list[str], response, form: dict | None,
            cell: str, markers: set) -> None:
    """404 (problem+json on the API), showing nothing of the others. A write may instead be
    answered exactly as the same write with ids that exist nowhere is (the portal's saved
    methods flash "No such saved payment method." on their page): that tells nothing either."""
    assert not leaks(response, markers, path), f"{cell}: the answer shows {leaks(response, markers, path)}"
    if response.status_code == 404:
        if audience == "api":
            assert response.mimetype == "application/problem+json", f"{cell}: {response.mimetype}"
        return
    said = f"{cell}: answered {response.status_code} {response.headers.get('Location') or text(response)[:300]}"
    assert route.method != "GET", (f"{said}. (A URL parameter that names no object of a customer or an org, "
                                   f"the same for everyone, belongs in NOT_IDS in {__name__}.)")
    assert audience != "api", (f"{said}. If the body was refused before the id was looked up, give "
                               f"API_BODIES in {__name__} a body that succeeds for '{route.method} {route.endpoint}'")
    nowhere = {i: lookalike(i) for i in ids}
    got = outcome(world, audience, response, nowhere)          # first: its flashed words are read there
    unknown = ask(world, audience, route, replaced(path, nowhere), form=form)
    assert got == outcome(world, audience, unknown, nowhere), f"{said}, not what an id that exists nowhere gets"
    TALLY.like_unknown += 1


def lookalike(id_: str) -> str:
    """An id of the same shape that exists nowhere."""
    fresh = iter(uuid.uuid4().hex * 4)
    return "".join(next(fresh) if c.isalnum() else c for c in id_)


def replaced(value: str, ids: dict[str, str]) -> str:
    for old, new in ids.items():
        value = value.replace(old, new)
    return value


def outcome(world: World, audience: str, response, nowhere: dict[str, str]) -> tuple:
    """What the visitor learns: the status, where it leads, and the words there (ids masked)."""
    where = response.headers.get("Location")
    words = response.get_data(as_text=True) if audience == "api" else text(response)
    if where and audience != "api":
        words = text((world.ann if audience == "portal" else world.owner).get(where))   # with its flashed words
    masked = {i: "<id>" for i in (*nowhere, *nowhere.values())}
    return response.status_code, replaced(where or "", masked), replaced(words, masked)


def foreign_paths(world: World, route: Route, own: Tenant, others: list[Tenant]) -> list[tuple[str, Tenant, list]]:
    """(path, whose ids, the ids) for each id parameter of the route filled with each of
    another's ids of its kind among one's own, and (with two or more) all of them the other's."""
    names = id_names(route)
    paths = []
    for other in others:
        for name in names:
            for value in world.ids[other.n][name]:
                paths.append((route.url(own, **{name: value}), other, [value]))
        if len(names) > 1:
            paths.append((route.url(own, **{n: other for n in names}), other,
                          [route.sample(n, other) for n in names]))
    return paths


def body(world: World, audience: str, route: Route, other: Tenant, me) -> dict | None:
    """What a write sends: the form that would succeed (made for the other's objects), or the
    API's body that would (its ids the asking org's own)."""
    if route.method == "GET":
        return None
    if audience == "api":
        return API_BODIES.get(f"{route.method} {route.endpoint}", lambda t: {})(world.x)
    return done_for(route).form(other, me)


def sweep_ids(world: World, audience: str, route: Route, others: list[Tenant], me) -> None:
    markers = world.others[OTHERS[audience]].markers
    asks = [(path, other, ids, body(world, audience, route, other, me))
            for path, other, ids in foreign_paths(world, route, world.x, others)]     # forms first: some set up
    people = snapshot(world.stage.fake, world.x, world.y)
    for path, other, ids, form in asks:
        cell = f"{route.method} {path} as {audience} (ids of {other.customer['name']})"
        response = ask(world, audience, route, path, form=form)
        TALLY.ids.update(ids)
        refused(world, audience, route, path, ids, response, form, cell, markers)
    assert snapshot(world.stage.fake, world.x, world.y) == people, f"{route}: identity's state changed"


def sweep_list(world: World, audience: str, route: Route) -> None:
    """The list plainly, then each search argument it reads with each of the others' values
    (an argument whose probe answers the plain page is one the route does not read)."""
    others = world.others[OTHERS[audience]]
    plain = listed(world, audience, route, others, None)
    for arg, kinds in SEARCHES.items():
        if listed(world, audience, route, others, {arg: PROBE}) == plain:
            continue
        for value in sorted(set().union(*(getattr(others.searched, kind) for kind in kinds))):
            listed(world, audience, route, others, {arg: value})
            if AN_ID.fullmatch(value):
                TALLY.ids.add(value)


def listed(world: World, audience: str, route: Route, others: Foreign, query: dict | None) -> str | bytes:
    """Asks, checks, and answers what the visitor reads (to tell whether a search changed it)."""
    cell = f"GET {route.rule} {query or ''} as {audience}"
    response = ask(world, audience, route, route.rule, query=query)
    assert response.status_code < 500, f"{cell}: {response.status_code}"
    asked = " ".join((query or {}).values())
    assert not leaks(response, others.markers, asked), f"{cell}: shows {leaks(response, others.markers, asked)}"
    if response.mimetype == "text/html":
        return text(response)
    return readable(response) if response.mimetype == "application/pdf" else response.get_data()


def sweep_forms(world: World, audience: str, route: Route, others: list[Tenant], me) -> None:
    """A form whose successful fields name another's object (an invoice to pay, a customer
    to invoice) sent with the other's: nothing is done, nothing of theirs shown."""
    numbers = world.others[OTHERS[audience]].searched.numbers
    forms = [done_for(route).form(other, me) for other in others]          # first: some make what they name
    people = snapshot(world.stage.fake, world.x, world.y)
    for form in forms:
        fields = [*map(str, form), *map(str, form.values())]
        carried = {i for f in fields for i in AN_ID.findall(f)} | {f for f in fields if f in numbers}
        if not carried:
            continue                   # the form names nothing of theirs (a new ticket's subject, say)
        path = route.url(world.x)
        response = ask(world, audience, route, path, form=form)
        TALLY.ids.update(carried)
        cell = f"POST {path} {form} as {audience}"
        asked = " ".join(map(str, form.values()))
        assert not leaks(response, world.others[OTHERS[audience]].markers, asked), f"{cell}: shows others' data"
    assert snapshot(world.stage.fake, world.x, world.y) == people, f"{route}: identity's state changed"


def form_routes(kind: str) -> list:
    return [pytest.param(r, id=str(r)) for r in GROUPS[kind] if r.method == "POST" and not id_names(r)]


# -- the sweep ------------------------------------------------------------------------------------
@pytest.mark.parametrize("route", id_routes(PORTAL))
def test_a_contact_of_a_never_reaches_bs_or_another_orgs_objects_by_id(world, route):
    sweep_ids(world, "portal", route, [world.b, world.y], world.x.ann)


@pytest.mark.parametrize("route", list_routes(PORTAL))
def test_a_contacts_lists_and_searches_show_nothing_of_b_or_another_org(world, route):
    sweep_list(world, "portal", route)


@pytest.mark.parametrize("route", form_routes(PORTAL))
def test_a_contacts_forms_take_no_id_of_b_or_another_org(world, route):
    sweep_forms(world, "portal", route, [world.b, world.y], world.x.ann)


@pytest.mark.parametrize("route", id_routes(CONSOLE))
def test_staff_never_reach_another_orgs_objects_by_id(world, route):
    sweep_ids(world, "console", route, [world.y], world.x.sam)


@pytest.mark.parametrize("route", list_routes(CONSOLE))
def test_staffs_lists_and_searches_show_nothing_of_another_org(world, route):
    sweep_list(world, "console", route)


@pytest.mark.parametrize("route", form_routes(CONSOLE))
def test_staffs_forms_take_no_id_of_another_org(world, route):
    sweep_forms(world, "console", route, [world.y], world.x.sam)


@pytest.mark.parametrize("route", id_routes(API))
def test_an_api_key_never_reaches_another_orgs_objects_by_id(world, route):
    sweep_ids(world, "api", route, [world.y], None)


@pytest.mark.parametrize("route", list_routes(API))
def test_an_api_keys_lists_and_searches_show_nothing_of_another_org(world, route):
    sweep_list(world, "api", route)


def test_the_sweep_knows_what_to_look_for(world):
    """The others' objects are there to be found, and every kind of id is swept."""
    portal, console = world.others["portal"], world.others["console"]
    assert world.b.customer["customer_id"] in portal.searched.customers
    assert world.y.customer["customer_id"] in console.searched.customers
    assert portal.searched.payments and console.searched.numbers and len(console.markers) > 20
    kinds = {name for kind in (PORTAL, CONSOLE, API) for r in GROUPS[kind] for name in id_names(r)}
    assert kinds >= {"invoice_id", "payment_id", "credit_note_id", "order_id", "shipment_id", "ticket_id",
                     "document_id", "request_id", "project_id", "task_id", "milestone_id", "customer_id",
                     "contact_id", "method_id", "webhook_id", "email_id", "key_id", "staff_id", "reply_id"}


def test_the_sweep_would_see_a_leak(world):
    """Its checks see one's own objects on one's own pages, and a write to a service."""
    mine = seeded(world.x)
    assert leaks(world.ann.get("/invoices"), mine.numbers, "") == sorted(mine.numbers & {n for n in mine.numbers
                                                                                          if n.startswith("INV-")})
    assert leaks(world.owner.get("/console/activity"), {activity_of(world.x), activity_of(world.b)}, "")
    assert leaks(world.owner.get("/console/customers", query_string={"q": world.b.customer["name"]}),
                 {world.b.customer["name"]}, "")
    before = service_state.versions()
    support_backend.staff_says(world.x.org["org_id"], world.x.ticket["ticket_id"], "Written on purpose")
    assert service_state.written(before, service_state.versions()) == ["support"]
