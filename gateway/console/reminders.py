"""The console's "Payment reminders" page (owners and admins): turn reminders on or off,
choose the days from the due date they are sent on, and leave some customers out (and take
them back in). billing keeps the schedule and sends the reminders from its worker
(services/billing/handlers/reminders.py); notifications mails them to the customer's
contacts (the "Payment reminder" e-mail template), with a link straight to paying."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField

from gateway.clients.base import ServiceProblem
from gateway.console.invoices import _customers
from gateway.web.access import MANAGERS, console
from gateway.web.context import billing, org_id
from gateway.web.forms import MultiCheckboxField, apply_problem

bp = Blueprint("console_reminders", __name__, url_prefix="/console")


def step_words(step: int) -> str:
    if step == 0:
        return _("On the due date")
    n = abs(step)
    if step < 0:
        return ngettext("%(num)s day before the due date", "%(num)s days before the due date", n)
    return ngettext("%(num)s day after the due date", "%(num)s days after the due date", n)


class ScheduleForm(FlaskForm):
    enabled = BooleanField(_l("Send payment reminders"))
    days = MultiCheckboxField(_l("Send them"), coerce=int, validate_choice=False)


class LeaveOutForm(FlaskForm):
    customer_id = SelectField(_l("Customer"), choices=[], validate_choice=False)


class TakeBackForm(FlaskForm):
    pass


def _page(form: ScheduleForm | None = None, messages: list[str] | None = None, status: int = 200):
    found = billing().reminders(org_id())
    if form is None:
        form = ScheduleForm(formdata=None, enabled=found["enabled"], days=found["days"])
    form.days.choices = [SelectChoice(s, step_words(s)) for s in found["steps"]]
    left_out = {c["customer_id"] for c in found["customers_left_out"]}
    customers = _customers(left_out)                      # identity's names, for those left out too
    for c in found["customers_left_out"]:
        c["customer_name"] = customers.get(c["customer_id"], {}).get("name") or c.get("customer_name")
    leave_out = LeaveOutForm(formdata=None)
    leave_out.customer_id.choices = [SelectChoice(c["customer_id"], c["name"]) for c in sorted(
        customers.values(), key=lambda c: c["name"].lower()) if c["customer_id"] not in left_out]
    return render_template("console/reminders/reminders.html", form=form, found=found, messages=messages or [],
                           leave_out=leave_out, take_back=TakeBackForm(formdata=None)), status


@bp.get("/reminders")
@console(roles=MANAGERS)
def reminders():
    return _page()


@bp.post("/reminders")
@console(roles=MANAGERS)
def save():
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _page(form, [_("The form expired. Please try again.")], 400)
    try:
        billing().set_reminders(org_id(), {"enabled": form.enabled.data, "days": form.days.data or []})
    except ServiceProblem as problem:
        if problem.status not in (400, 422):
            raise
        return _page(form, apply_problem(form, problem), 422)
    flash(_("Payment reminders are on.") if form.enabled.data else _("Payment reminders are off."), "success")
    return redirect(url_for("console_reminders.reminders"))


@bp.post("/reminders/customers")
@console(roles=MANAGERS)
def leave_out():
    form = LeaveOutForm()
    chosen = _customers({form.customer_id.data} if form.customer_id.data else set()).get(form.customer_id.data)
    if not form.validate_on_submit() or chosen is None:
        flash(_("Choose one of your customers."), "error")
    else:
        billing().set_customer_reminders(org_id(), chosen["customer_id"], False)
        flash(_("%(customer)s gets no payment reminders now.", customer=chosen["name"]), "success")
    return redirect(url_for("console_reminders.reminders"))


@bp.post("/reminders/customers/<customer_id>/on")
@console(roles=MANAGERS)
def take_back(customer_id: str):
    if customer_id not in _customers({customer_id}):        # another org's customer: not found
        abort(404)
    if TakeBackForm().validate_on_submit():
        billing().set_customer_reminders(org_id(), customer_id, True)
        flash(_("That customer gets payment reminders again."), "success")
    return redirect(url_for("console_reminders.reminders"))
