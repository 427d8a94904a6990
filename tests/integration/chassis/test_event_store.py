"""The event store on SQLite and PostgreSQL: same behaviour on both."""
import threading

import pytest
from sqlalchemy import func, select

from services.chassis.errors import ConcurrencyConflict, InvalidEvent, NotFound
from services.chassis.events import Event
from services.chassis.projections import rebuild
from services.chassis.tables import events
from services.identity.bootstrap import SPEC
from services.identity.domain.organization import MODULES, Organization
from services.identity.projections.directory import organizations


@pytest.fixture
def rt(make_runtime, db_kind):
    return make_runtime(SPEC, db_kind)


def _create(rt, slug="acme", name="Acme"):
    with rt.store.unit_of_work() as uow:
        org = Organization.create(name, slug)
        uow.add(org)
        uow.commit()
    return org


def _settings(rt, org_id):
    with rt.engine.connect() as conn:
        return conn.execute(select(organizations.c.settings)
                            .where(organizations.c.org_id == org_id)).scalar()


def test_append_then_load_the_stream_in_order(rt):
    org = _create(rt)
    with rt.store.unit_of_work() as uow:
        loaded = uow.load(Organization, org.id, org.id)
        loaded.change_settings({"mfa_required": True})
        loaded.change_settings({"self_signup": True})
        uow.add(loaded)
        uow.commit()
    stream = rt.store.load_stream(org.id)
    assert [(e.type, e.aggregate_version) for e in stream] == [
        ("OrganizationCreated", 1), ("PortalSettingsChanged", 2), ("PortalSettingsChanged", 3)]
    assert stream[0].data["name"] == "Acme"
    # the projection moved in the same transaction
    assert _settings(rt, org.id)["self_signup"] is True


def test_stale_writer_gets_a_conflict_and_writes_nothing(rt):
    org = _create(rt)
    with rt.store.unit_of_work() as uow:
        stale = uow.load(Organization, org.id, org.id)        # read at version 1
    with rt.store.unit_of_work() as uow:
        fresh = uow.load(Organization, org.id, org.id)
        fresh.change_settings({"mfa_required": True})
        uow.add(fresh)
        uow.commit()                                          # now at version 2
    stale.change_settings({"self_signup": True})
    with rt.store.unit_of_work() as uow:
        uow.add(stale)
        with pytest.raises(ConcurrencyConflict):
            uow.commit()
    assert len(rt.store.load_stream(org.id)) == 2
    assert _settings(rt, org.id)["self_signup"] is False


def test_concurrent_writers_on_one_stream_one_wins(rt):
    org = _create(rt)
    barrier = threading.Barrier(8)
    outcomes = []

    def writer(i):
        barrier.wait(5)
        try:
            with rt.store.unit_of_work() as uow:
                agg = uow.load(Organization, org.id, org.id)
                agg.change_settings({"modules": [MODULES[i]]})      # always a real change
                uow.add(agg)
                uow.commit()
            outcomes.append("ok")
        except ConcurrencyConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    assert len(outcomes) == 8 and outcomes.count("ok") >= 1
    stream = rt.store.load_stream(org.id)
    assert [e.aggregate_version for e in stream] == list(range(1, len(stream) + 1))
    assert len(stream) == 1 + outcomes.count("ok")


def test_creating_the_same_org_twice_is_a_conflict(rt):
    _create(rt)
    with pytest.raises(ConcurrencyConflict):
        _create(rt)


def test_an_event_that_breaks_its_contract_is_never_stored(rt):
    bad = Event(type="OrganizationCreated", org_id="o1", aggregate_type="Organization",
                aggregate_id="o1", aggregate_version=1, data={"name": 42})
    with rt.store.unit_of_work() as uow:
        uow.append([bad])
        with pytest.raises(InvalidEvent):
            uow.commit()
    with rt.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar() == 0


def test_an_event_of_another_service_is_refused(rt):
    foreign = Event(type="TicketRaised", org_id="o1", aggregate_type="Ticket",
                    aggregate_id="t1", aggregate_version=1, data={})
    with rt.store.unit_of_work() as uow:
        uow.append([foreign])
        with pytest.raises(InvalidEvent):
            uow.commit()


def test_loading_another_orgs_aggregate_is_not_found(rt):
    org = _create(rt)
    with rt.store.unit_of_work() as uow:
        with pytest.raises(NotFound):
            uow.load(Organization, org.id, "some-other-org")


def test_read_all_pages_through_every_event_in_position_order(rt):
    for i in range(7):
        _create(rt, slug=f"org-{i}")
    first = rt.store.read_all(after=0, limit=4)
    rest = rt.store.read_all(after=first[-1][0], limit=100)
    positions = [p for p, _ in first + rest]
    assert positions == sorted(positions) and len(positions) == 7
    assert [e.data["slug"] for _, e in first + rest] == [f"org-{i}" for i in range(7)]


def test_rebuild_projections_recreates_the_read_models(rt):
    org = _create(rt)
    with rt.store.unit_of_work() as uow:
        agg = uow.load(Organization, org.id, org.id)
        agg.change_settings({"mfa_required": True})
        uow.add(agg)
        uow.commit()
    before = _settings(rt, org.id)
    with rt.engine.begin() as conn:                 # a read model gone bad
        conn.execute(organizations.delete())
    assert rebuild(rt.store) == 2
    assert _settings(rt, org.id) == before


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migrations_started_at_once_by_several_pods_all_succeed(make_db_url, kind):
    from services.chassis import migrate
    url = make_db_url(kind)
    errors = []

    def run():
        try:
            migrate.upgrade(SPEC, url)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
    threads = [threading.Thread(target=run) for _ in range(4)]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert errors == []
