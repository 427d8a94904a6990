"""What a service declares (ServiceSpec) and what a process builds from it once
(Runtime): engine, event store, config. Nothing is built at import time."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from sqlalchemy import Engine, MetaData

from services.chassis.config import Config
from services.chassis.db import make_engine
from services.chassis.eventstore import EventStore


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    metadata: MetaData                       # the service's own read-model tables
    migrations: Path                         # its Alembic folder
    projections: Callable[[], Sequence] = lambda: ()
    subscriptions: Callable[[], dict] = lambda: {}
    blueprints: Callable[[], Sequence] = lambda: ()
    title: str = ""
    commands: dict = field(default_factory=dict)   # extra CLI commands: name -> fn(runtime, args)
    # Extra loops the worker runs beside the relay and the consumer (e.g. delivering
    # webhooks): each is fn(runtime, stop_event) and must return when stop is set.
    background: Callable[[], Sequence] = lambda: ()
    # The outside world a service talks to (payment gateways, storage, SMTP), built once per
    # process from the runtime: fn(runtime) -> {name: adapter}. Tests replace an entry with
    # a fake that subclasses the port.
    ports: Callable[["Runtime"], dict] = lambda rt: {}


@dataclass
class Runtime:
    spec: ServiceSpec
    config: Config
    engine: Engine
    store: EventStore
    ports: dict = field(default_factory=dict)

    def dispose(self) -> None:
        self.engine.dispose()


def bootstrap(spec: ServiceSpec, config: Config | None = None) -> Runtime:
    config = config or Config.from_env(spec.name)
    engine = make_engine(config.database_url, config.db_pool_size, config.db_max_overflow)
    store = EventStore(engine, spec.name, spec.projections())
    rt = Runtime(spec=spec, config=config, engine=engine, store=store)
    rt.ports.update(spec.ports(rt))
    return rt


def subscriptions_of(event_handlers: dict) -> dict:
    """What the consumer runs, from a service's EVENT_HANDLERS (topic -> event type -> list of
    handlers): one callable per (topic, type) that runs the list in its written order, all
    in the one transaction that marks the event handled."""
    def in_order(handlers: list):
        if len(handlers) == 1:
            return handlers[0]

        def run(event, uow) -> None:
            for handler in handlers:
                handler(event, uow)
        return run
    return {topic: {type_: in_order(list(handlers)) for type_, handlers in by_type.items()}
            for topic, by_type in event_handlers.items()}
