"""A service's refusal said to the person in the service's own words, flashed on the page
they came from (the same idiom on every form that asks a service to do something). Only
the statuses a view expects are said this way; anything else is raised and becomes an
error page (app.py): a 404 for another org's id, a sign-in again for a dead session."""
from __future__ import annotations

from flask import flash, redirect

from gateway.clients.base import ServiceProblem

SAID = (400, 409, 422, 503)   # a rule of the service ("still being processed", a bad amount), or a
                              # deliberate "not now" (503 with words: "online payment is not available")
NOT_FOUND = (404,)            # another org's id, or gone: the 404 page


def refused(problem: ServiceProblem, back: str, said: tuple[int, ...] = SAID):
    """Flashes `problem.detail` and redirects to `back`; raises a problem of another status."""
    if problem.status not in said:
        raise problem
    flash(problem.detail, "error")
    return redirect(back)


def flash_refusal(problem: ServiceProblem, raised: tuple[int, ...] = NOT_FOUND) -> None:
    """Flashes `problem.detail` for the next page; raises a problem whose status is in `raised`."""
    if problem.status in raised:
        raise problem
    flash(problem.detail, "error")
