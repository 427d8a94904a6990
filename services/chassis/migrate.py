"""Alembic, driven from code: each service has its own migrations folder and its
own database. `env.py` of a service is three lines calling `run_env`."""
from __future__ import annotations

from alembic import command, context
from alembic.config import Config as AlembicConfig
from sqlalchemy import MetaData

from services.chassis.db import make_engine
from services.chassis.leader import exclusive
from services.chassis.tables import metadata as chassis_metadata


def alembic_config(spec, database_url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(spec.migrations))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(spec, database_url: str, revision: str = "head") -> None:
    """Safe to run from several pods at once: they take turns."""
    engine = make_engine(database_url)
    try:
        with exclusive(engine, "migrate"):
            command.upgrade(alembic_config(spec, database_url), revision)
    finally:
        engine.dispose()


def run_env(service_metadata: MetaData) -> None:
    """Body of every service's migrations/env.py (online mode only)."""
    url = context.config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=[chassis_metadata, service_metadata],
                          render_as_batch=conn.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
