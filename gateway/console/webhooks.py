"""The console's webhooks (owners and admins): internal systems' HTTPS URLs subscribed to
event types from the catalogue, each with its own signing secret, shown once on the answer
to the form that made it (never kept in the Flask session, a flash or a log, like an API
key); the list with each one's state, switching on and off, deleting; and each webhook's
delivery log. A webhook notifications switched off after repeated failures shows a notice
here and on the console's dashboard (`/console/notices`, loaded into the dashboard by htmx).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from gateway.clients.base import ServiceProblem, ServiceUnavailable
from gateway.console.activity import moment
from gateway.console.forms import WebhookForm
from gateway.web.access import MANAGERS, console
from gateway.web.context import notifications, org_id, principal
from gateway.web.event_labels import ALL_EVENTS, events_summary
from gateway.web.forms import apply_problem, field_messages
from gateway.web.refusals import flash_refusal

bp = Blueprint("console_webhooks", __name__, url_prefix="/console")

DELIVERY_LABELS = {"pending": _l("Retrying"), "delivered": _l("Delivered"), "failed": _l("Given up")}


def _page(form: WebhookForm, messages: list[str], status: int = 200):
    hooks = notifications().webhooks(org_id())
    return render_template("console/webhooks/webhooks.html", form=form, messages=messages, hooks=hooks,
                           failing=[h for h in hooks if _failed(h)], all_events=ALL_EVENTS,
                           events_summary=events_summary, may_manage=True), status


def _failed(hook: dict) -> bool:
    """Switched off by notifications after failures (staff switching it off give no such reason)."""
    return not hook.get("active") and "failed" in (hook.get("disabled_reason") or "")


@bp.route("/webhooks", methods=["GET", "POST"])
@console(roles=MANAGERS)
def webhooks():
    form = WebhookForm().set_catalogue(notifications().event_types(org_id()))
    if request.method == "GET":
        return _page(form, [])
    if not form.validate():
        return _page(form, field_messages(form), 400)
    chosen = [ALL_EVENTS] if ALL_EVENTS in form.event_types.data else list(form.event_types.data)
    try:
        made = notifications().add_webhook(org_id(), form.url.data.strip(), chosen)
    except ServiceProblem as problem:
        return _page(form, apply_problem(form, problem), problem.status if problem.status in (409, 422) else 400)
    # The only answer that carries the secret: rendered here, kept nowhere.
    return render_template("console/webhooks/webhook_created.html", made=made, events_summary=events_summary)


@bp.get("/webhooks/<webhook_id>")
@console(roles=MANAGERS)
def webhook(webhook_id: str):
    hook = notifications().webhook(org_id(), webhook_id)
    deliveries = notifications().deliveries(org_id(), webhook_id)
    return render_template("console/webhooks/webhook.html", hook=hook, deliveries=deliveries, failed=_failed(hook),
                           labels=DELIVERY_LABELS, moment=moment, events_summary=events_summary)


def _act(webhook_id: str, action, done: str):
    try:
        action()
    except ServiceProblem as problem:
        flash_refusal(problem)
    else:
        flash(done, "success")
    return redirect(url_for("console_webhooks.webhooks"))


@bp.post("/webhooks/<webhook_id>/enable")
@console(roles=MANAGERS)
def enable(webhook_id: str):
    return _act(webhook_id, lambda: notifications().switch_webhook(org_id(), webhook_id, True),
                _("The webhook is on again: deliveries waiting for it go out now."))


@bp.post("/webhooks/<webhook_id>/disable")
@console(roles=MANAGERS)
def disable(webhook_id: str):
    return _act(webhook_id, lambda: notifications().switch_webhook(org_id(), webhook_id, False),
                _("The webhook is off: nothing is sent to it until you switch it on."))


@bp.post("/webhooks/<webhook_id>/delete")
@console(roles=MANAGERS)
def delete(webhook_id: str):
    return _act(webhook_id, lambda: notifications().delete_webhook(org_id(), webhook_id),
                _("The webhook is deleted: nothing more is sent to it, and its secret no longer exists."))


@bp.get("/notices")
@console()
def notices():
    """The dashboard's notices (an HTML fragment): webhooks switched off after failures.
    Notifications down: no notice, never an error in the middle of the dashboard."""
    try:
        failing = [h for h in notifications().webhooks(org_id()) if _failed(h)]
    except (ServiceUnavailable, ServiceProblem):
        failing = []
    return render_template("console/webhooks/_notices.html", failing=failing,
                           may_manage=principal().get("role") in MANAGERS)
