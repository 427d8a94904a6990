"""Who is acting and which request we are in, carried into events and logs."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Context:
    correlation_id: str
    causation_id: str | None = None
    request_id: str | None = None
    actor_kind: str = "system"
    actor_id: str | None = None

    @property
    def actor(self) -> dict:
        return {"kind": self.actor_kind, "id": self.actor_id}


_current: ContextVar[Context | None] = ContextVar("portal_context", default=None)


def current() -> Context:
    ctx = _current.get()
    return ctx if ctx is not None else Context(correlation_id=str(uuid.uuid4()))


@contextmanager
def using(ctx: Context):
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def set_current(ctx: Context | None):
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)
