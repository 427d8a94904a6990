"""Operating a service: the rebuild command, JSON logs with ids, causation across services."""
import json
import logging
import os
import subprocess
import sys

from sqlalchemy import select

from services.chassis import context, logs
from services.chassis.tables import events
from services.identity.bootstrap import SPEC
from services.identity.domain.organization import Organization
from services.identity.projections.directory import organizations


def test_rebuild_projections_command_rebuilds_from_the_events(make_runtime, make_db_url):
    url = make_db_url("sqlite")
    rt = make_runtime(SPEC, database_url=url)
    with rt.store.unit_of_work() as uow:
        uow.add(Organization.create("Acme", "acme"))
        uow.commit()
    with rt.engine.begin() as conn:
        conn.execute(organizations.delete())
    done = subprocess.run([sys.executable, "-m", "services.identity", "rebuild-projections"],
                          env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "from 1 events" in done.stdout
    with rt.engine.connect() as conn:
        assert conn.execute(select(organizations.c.name)).scalar() == "Acme"


def test_logs_are_json_lines_with_the_request_and_correlation_ids(capfd):
    logs.configure("billing", "INFO", json_format=True)
    try:
        with context.using(context.Context(correlation_id="corr-7", request_id="req-7")):
            logging.getLogger("test").info("paid")
        line = capfd.readouterr().err.strip().splitlines()[-1]
        record = json.loads(line)
        assert record["message"] == "paid"
        assert record["service"] == "billing"
        assert record["correlation_id"] == "corr-7" and record["request_id"] == "req-7"
    finally:
        logging.getLogger().handlers.clear()


def test_events_appended_while_handling_an_event_carry_its_correlation_and_cause(make_runtime):
    rt = make_runtime(SPEC)
    incoming = context.Context(correlation_id="corr-from-billing", causation_id="evt-123")
    with context.using(incoming):
        with rt.store.unit_of_work() as uow:
            uow.add(Organization.create("Acme", "acme"))
            uow.commit()
    with rt.engine.connect() as conn:
        meta = conn.execute(select(events.c.meta)).scalar()
    assert meta["correlation_id"] == "corr-from-billing"
    assert meta["causation_id"] == "evt-123"
