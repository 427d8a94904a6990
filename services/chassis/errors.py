"""Errors that map to HTTP problems (RFC 9457) at the edge."""
from contracts.problem import problem


class PortalError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str = "", **extensions):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extensions = extensions


def problem_of(exc: PortalError) -> dict:
    """The problem details body of a refusal (the edge answers it; a batch answers one per
    item). A `field` becomes `errors` in marshmallow's shape, like input errors."""
    extensions = {k: v for k, v in exc.extensions.items() if v is not None}
    if extensions.get("field"):
        extensions.setdefault("errors", {"json": {extensions["field"]: [exc.detail]}})
    return problem(exc.status, exc.title, exc.detail, **extensions)


class NotFound(PortalError):
    """Also what an id of another org or customer answers: never a hint it exists."""
    status = 404
    title = "Not found"


class ConcurrencyConflict(PortalError):
    status = 409
    title = "Conflict"


def retry_on_conflict(fn, attempts: int = 5):
    """Run `fn` (a whole unit of work) again when another writer appended to the same stream
    first (a stale version): it reads afresh and decides again. The last conflict is raised."""
    for attempt in range(attempts):
        try:
            return fn()
        except ConcurrencyConflict:
            if attempt == attempts - 1:
                raise


class Unavailable(PortalError):
    """Something the request needs is away for now (503). Unlike other server errors its
    detail is written for the person and is shown to them."""
    status = 503
    title = "Unavailable"


class DomainError(PortalError):
    """An invariant of an aggregate refused the command."""
    status = 422
    title = "Rule broken"


class InvalidEvent(PortalError):
    """An event that does not match its contract: it is never stored nor published."""
    status = 500
    title = "Invalid event"


class Transient(Exception):
    """A failure that time heals (a database failover, a peer restarting): raise it, or let
    one of the errors `is_transient` knows escape, and the consumer waits and tries again
    without end instead of dead-lettering the event."""


def is_transient(exc: BaseException) -> bool:
    """Database, network and timeout failures pass; bad data and broken invariants never do.
    Checked along the exception's causes, since libraries wrap what they catch."""
    from sqlalchemy import exc as sa
    import requests
    transient = (Transient, ConnectionError, TimeoutError, sa.OperationalError, sa.InterfaceError,
                 sa.DisconnectionError, sa.TimeoutError, requests.ConnectionError, requests.Timeout)
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, transient):
            return True
        if isinstance(exc, sa.DBAPIError) and exc.connection_invalidated:
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False
