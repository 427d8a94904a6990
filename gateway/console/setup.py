"""The set-up walk on the console home (issue 19): the seed's steps in its order, each with
where to do it and whether it is done, for owners and admins until every step is. The
console sees most steps done on its own (the portal is open, a logo or colour is set, a
contact was invited, a gateway is connected, test mode is off); the ones only a person can
judge (modules and permissions, the e-mail templates, security) staff mark done here, and
identity keeps that in the org's settings (`setup_done`)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _

from contracts.events.identity import SETUP_CONFIRMED as CONFIRMED
from gateway.clients.base import ServiceProblem, quietly
from gateway.console.settings import settings_saved
from gateway.web.access import MANAGERS, console
from gateway.web.context import billing, identity, org_id, settings
from gateway.web.refusals import flash_refusal

bp = Blueprint("console_setup", __name__, url_prefix="/console")

@dataclass(frozen=True)
class Step:
    key: str
    title: str
    how: str
    where: str              # the endpoint that does it
    done: bool | None       # None: not known now (its service did not answer)

    @property
    def confirmable(self) -> bool:
        return self.key in CONFIRMED and not self.done


def steps() -> list[Step]:
    """The walk for this org, in the seed's order."""
    s = settings()
    confirmed = set(s.get("setup_done") or ())
    counts = quietly(lambda: identity().contact_counts(org_id()))
    connections = quietly(lambda: billing().gateway_connections(org_id()))
    return [
        Step("open", _("Open the portal"), _("Switch the portal on for your customers."),
             "console_settings.portal_settings", bool(s.get("portal_enabled"))),
        Step("access", _("Choose modules and permissions"),
             _("Pick the modules customers see; narrow them per customer or contact on their pages."),
             "console_settings.portal_settings", "access" in confirmed),
        Step("brand", _("Add your logo and colours"), _("Customers and your mails then look like your business."),
             "console_settings.portal_settings", bool(s.get("logo") or s.get("brand_colour"))),
        Step("templates", _("Review the e-mail templates"),
             _("The invitation, receipts and reminders your customers get."),
             "console_mail.email_templates", "templates" in confirmed),
        Step("invite", _("Invite your customers"), _("Add contacts to a customer and send their invitations."),
             "console_customers.customers",
             None if counts is None else counts.get("invited", 0) + counts.get("active", 0) > 0),
        Step("payments", _("Connect a payment gateway"), _("Stripe or PayPal, so customers can pay online."),
             "console_gateways.gateways", None if connections is None else bool(connections.get("items"))),
        Step("security", _("Decide on security"), _("Two-step verification for customers, self sign-up, uploads."),
             "console_settings.portal_settings", "security" in confirmed),
        Step("live", _("Leave test mode"), _("Once a gateway is connected, switch test mode off: payments become real."),
             "console_settings.portal_settings", not s.get("test_mode")),
    ]


@bp.post("/setup/<step>")
@console(roles=MANAGERS)
def mark_done(step: str):
    """A step only a person can judge is done: identity keeps it with the org's settings."""
    if step not in CONFIRMED:
        flash(_("That step is marked done on its own once it is."), "error")
        return redirect(url_for("console_dashboard.dashboard"))
    done = [*(settings().get("setup_done") or ()), step]
    try:
        org = identity().change_settings(org_id(), {"setup_done": done})
    except ServiceProblem as problem:
        flash_refusal(problem, raised=())
    else:
        settings_saved(org, _("Marked done."))
    return redirect(url_for("console_dashboard.dashboard") + "#setup")
