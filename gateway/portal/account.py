"""The contact's own account: profile (name, phone, language, address, what to be told
about), password, and signing out on every device."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from gateway.clients.base import ServiceProblem
from gateway.web.access import portal
from gateway.web.account import page_status, password_page, sign_out_everywhere
from gateway.web.context import forget_session_cache, identity, org_id, principal
from gateway.web.forms import REQUIRED, apply_problem
from gateway.web.i18n import LOCALES

bp = Blueprint("portal_account", __name__)
NOTIFY = (("invoices", _l("New invoices and payment reminders")), ("payments", _l("Payments")),
          ("tickets", _l("Ticket replies")), ("documents", _l("Shared documents")),
          ("orders", _l("Orders and deliveries")))


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)],
                        render_kw={"autocomplete": "tel", "type": "tel"})
    # The languages the portal is written in; "" is "not chosen" (pages follow the browser). A
    # language chosen before (es ...) stays offered to the contact who has it (fill); identity
    # refuses one it does not know.
    language = SelectField(_l("Language"), choices=[SelectChoice("", _l("Your browser's language")),
                                                    *(SelectChoice(code, name) for code, name in LOCALES.items())],
                           validate_choice=False)
    line1 = StringField(_l("Address"), validators=[Optional(), Length(max=200)],
                        render_kw={"autocomplete": "address-line1"})
    line2 = StringField(_l("Address, second line"), validators=[Optional(), Length(max=200)],
                        render_kw={"autocomplete": "address-line2"})
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)],
                       render_kw={"autocomplete": "address-level2"})
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=20)],
                           render_kw={"autocomplete": "postal-code"})
    country = StringField(_l("Country"), validators=[Optional(), Length(max=100)],
                          render_kw={"autocomplete": "country-name"})
    notify_invoices = BooleanField(NOTIFY[0][1])
    notify_payments = BooleanField(NOTIFY[1][1])
    notify_tickets = BooleanField(NOTIFY[2][1])
    notify_documents = BooleanField(NOTIFY[3][1])
    notify_orders = BooleanField(NOTIFY[4][1])

    ADDRESS = ("line1", "line2", "city", "postcode", "country")

    def fill(self, profile: dict) -> None:
        self.name.data = profile.get("name") or ""
        self.phone.data = profile.get("phone") or ""
        self.language.data = profile.get("language") or ""
        if self.language.data not in ("", *LOCALES):
            self.language.choices = [*self.language.choices, SelectChoice(self.language.data)]
        address = profile.get("address") or {}
        for key in self.ADDRESS:
            self[key].data = address.get(key) or ""
        notify = profile.get("notify") or {}
        for key, _label in NOTIFY:
            self[f"notify_{key}"].data = bool(notify.get(key))

    def changes(self) -> dict:
        return {"name": self.name.data.strip(), "phone": (self.phone.data or "").strip(),
                "language": self.language.data or None,
                "address": {key: (self[key].data or "").strip() for key in self.ADDRESS},
                "notify": {key: bool(self[f"notify_{key}"].data) for key, _label in NOTIFY}}


@bp.route("/profile", methods=["GET", "POST"])
@portal()
def profile():
    person = principal()
    form = ProfileForm()
    messages: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            identity().update_profile(org_id(), person["id"], form.changes())
        except ServiceProblem as problem:
            messages = apply_problem(form, problem)
            status = problem.status if problem.status in (409, 422) else 400
        else:
            forget_session_cache()           # the new name shows at once
            flash(_("Profile saved."), "success")
            return redirect(url_for("portal_account.profile"))
    elif request.method == "GET":
        form.fill(identity().get_profile(org_id(), person["id"]))
    page = render_template("portal/account/profile.html", form=form, messages=messages, person=person)
    return page, page_status(form, status)


@bp.route("/password", methods=["GET", "POST"])
@portal()
def password():
    return password_page(url_for("portal_dashboard.dashboard"))


@bp.post("/signout/everywhere")
@portal()
def signout_everywhere():
    return sign_out_everywhere()
