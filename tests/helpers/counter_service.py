"""A tiny service used by fault tests: every OrganizationCreated it handles adds
one row to `effects` (no unique key), slowly, so a test can kill it mid-batch
and then count: exactly one effect per event, or the consumer is broken.

Run as `python -m tests.helpers.counter_service` with DATABASE_URL and KAFKA_BOOTSTRAP."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from services.chassis.runtime import ServiceSpec, bootstrap
from services.chassis.tables import metadata as chassis_metadata

metadata = MetaData()
effects = Table("effects", metadata,
                Column("id", Integer, primary_key=True, autoincrement=True),
                Column("event_id", String(36), nullable=False),
                Column("slug", String(100), nullable=False))

DELAY = float(os.environ.get("COUNTER_DELAY", "0.005"))


def count(event, uow) -> None:
    uow.conn.execute(insert(effects).values(event_id=event.event_id, slug=event.data["slug"]))
    if event.data["slug"].startswith("poison"):
        raise ValueError("this one always fails")
    time.sleep(DELAY)


SPEC = ServiceSpec(
    name="billing",           # borrows a real service name for its topic and group
    metadata=metadata,
    migrations=Path(__file__).parent,      # unused: tests create the tables directly
    subscriptions=lambda: {"portal.identity.v1": {"OrganizationCreated": count}},
)


def create_tables(engine) -> None:
    chassis_metadata.create_all(engine)
    metadata.create_all(engine)


if __name__ == "__main__":
    from services.chassis.worker import run_worker
    rt = bootstrap(SPEC)
    create_tables(rt.engine)
    run_worker(rt)
    sys.exit(0)
