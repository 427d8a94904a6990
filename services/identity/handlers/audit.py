"""Security events (PasswordChanged, MfaEnabled, LoginFailed, LoginSucceeded, SessionRevoked)
are appended to log-like streams: a user's stream, a session's stream, or, for an e-mail that
matches nobody, a stream named after the address. They carry no state to fold, so the next
version is read from the stream itself inside the transaction."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from services.chassis.eventstore import UnitOfWork
from services.chassis.events import Event
from services.chassis.tables import events

# contracts/events/identity.py documents both: a user's security events live on stream
# uuid5(USER_NAMESPACE, user_id); sign-in failures for an unknown address on
# uuid5(NAMESPACE_URL, "mailto:" + address).
USER_NAMESPACE = uuid.UUID("2b0c8f0e-77d4-4a3e-9a51-0f3d1c6b7e21")


def user_stream(user_id: str) -> str:
    return str(uuid.uuid5(USER_NAMESPACE, user_id))


def address_stream(email: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "mailto:" + email.lower()))


def log_event(uow: UnitOfWork, org_id: str, aggregate_type: str, stream_id: str,
              event_type: str, data: dict) -> None:
    version = uow.conn.execute(select(func.max(events.c.version))
                               .where(events.c.stream_id == stream_id)).scalar() or 0
    pending = sum(1 for e in uow._events if e.aggregate_id == stream_id)
    uow.append([Event(type=event_type, org_id=org_id, aggregate_type=aggregate_type,
                      aggregate_id=stream_id, aggregate_version=version + pending + 1, data=data)])


def user_event(uow: UnitOfWork, user: dict, event_type: str, **data) -> None:
    log_event(uow, user["org_id"], "User", user_stream(user["user_id"]), event_type,
              {"user_kind": user["kind"], "user_id": user["user_id"],
               "customer_id": user.get("customer_id"), **data})


def session_event(uow: UnitOfWork, session: dict, user: dict, event_type: str, **data) -> None:
    log_event(uow, user["org_id"], "Session", session["session_id"], event_type,
              {"session_id": session["session_id"], "user_kind": user["kind"],
               "user_id": user["user_id"], "customer_id": user.get("customer_id"), **data})
