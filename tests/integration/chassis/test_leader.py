"""The relay's leader lock on PostgreSQL sits on a connection that is quiet for hours:
both ends must notice a dead peer within the configured time, or a half-open connection
stops publishing (client side) or keeps a dead leader's lock (server side) for hours."""
from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine

from services.chassis.leader import PostgresLeadership

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(make_db_url):
    engine = create_engine(make_db_url("postgresql"))
    yield engine
    engine.dispose()


def test_the_leader_connection_is_watched_on_both_ends(engine):
    leader = PostgresLeadership(engine, "relay.portal.test.v1", timeout_s=12)
    assert leader.try_acquire()
    conn = leader._conn
    try:
        client = conn.info.get_parameters()
        assert (client["keepalives"], client["keepalives_idle"], client["tcp_user_timeout"]) == ("1", "4", "12000")
        shown = {name: conn.execute(f"SHOW {name}").fetchone()[0]
                 for name in ("tcp_keepalives_idle", "tcp_keepalives_count", "tcp_user_timeout")}
        assert shown == {"tcp_keepalives_idle": "4", "tcp_keepalives_count": "3", "tcp_user_timeout": "12000"}
    finally:
        leader.release()


def test_a_leader_whose_session_died_knows_it_and_a_standby_takes_over(engine):
    leader, standby = (PostgresLeadership(engine, "relay.portal.test.v1", timeout_s=6) for _ in range(2))
    assert leader.try_acquire() and not standby.try_acquire()
    pid = leader._conn.info.backend_pid
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:          # as a failover would
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert not leader.still_held()
    assert standby.try_acquire()
    standby.release()
