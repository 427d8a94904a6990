"""The console's API keys page (owners and admins): list, create, revoke.

A new key is shown once, on the answer to the form that made it: it is never put in the
Flask session or a flash message, never logged, and the page is `Cache-Control: no-store`
like every page. Afterwards only its first characters (`prefix`) are shown.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gateway.clients.base import ServiceProblem
from gateway.console.forms import ApiKeyForm
from gateway.web.access import MANAGERS, console, forget_api_key
from gateway.web.context import gateway, identity, org_id
from gateway.web.forms import apply_problem
from gateway.web.labels import SCOPE_LABELS
from gateway.web.refusals import flash_refusal

bp = Blueprint("console_keys", __name__, url_prefix="/console")


def when(stamp: float | None) -> dict | None:
    """An identity timestamp (epoch seconds) as text and ISO 8601 for <time>."""
    if stamp is None:
        return None
    moment = datetime.fromtimestamp(stamp, timezone.utc)
    return {"text": moment.strftime("%d %b %Y, %H:%M UTC"), "iso": moment.isoformat(timespec="seconds")}


def _page(form: ApiKeyForm, messages: list[str], status: int = 200):
    keys = identity().list_api_keys(org_id())
    return render_template("console/keys/api_keys.html", form=form, messages=messages, keys=keys, when=when,
                           scope_labels=SCOPE_LABELS,
                           cache_seconds=int(gateway().api_keys.ttl)), status


@bp.route("/api-keys", methods=["GET", "POST"])
@console(roles=MANAGERS)
def api_keys():
    form = ApiKeyForm()
    if request.method == "GET":
        return _page(form, [])
    if not form.validate():
        return _page(form, [], 400)
    try:
        made = identity().create_api_key(org_id(), form.name.data.strip(), list(form.scopes.data))
    except ServiceProblem as problem:
        return _page(form, apply_problem(form, problem), problem.status if problem.status in (409, 422) else 400)
    # The only answer that carries the key: rendered here, kept nowhere.
    return render_template("console/keys/api_key_created.html", made=made, scope_labels=SCOPE_LABELS,
                           example_url=request.host_url.rstrip("/") + url_for("api_v1.list_customers"))


@bp.post("/api-keys/<key_id>/revoke")
@console(roles=MANAGERS)
def revoke_api_key(key_id: str):
    try:
        key = identity().revoke_api_key(org_id(), key_id)
    except ServiceProblem as problem:
        flash_refusal(problem, raised=())
    else:
        forget_api_key(key_id)
        flash(_("The key “%(name)s” was revoked. Calls with it are refused within %(seconds)s seconds at most.",
                name=key.get("name", ""), seconds=int(gateway().api_keys.ttl)), "success")
    return redirect(url_for("console_keys.api_keys"))
