"""The portal's timesheets: the customer's hours per ISO week with totals per week and per
project, billable and not; a CSV export of a range of weeks; and the week's decision: a
contact with the `approve` permission approves or disputes the week's billable hours with a
comment. orders keeps the rule that a decided week is decided again only once new hours
arrive for it (its 409 comes back here as a sentence)."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, Length, Optional

from gateway.clients.base import ServiceProblem
from gateway.web.access import portal
from gateway.web.context import customer_id, org_id, orders, principal
from gateway.web.projects import WEEK_LABELS, hours, timesheet_csv, week_arg

bp = Blueprint("portal_timesheets", __name__)


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[AnyOf(("approve", "dispute"))])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])


def _range() -> dict:
    return {"from_week": week_arg(request.args.get("from")), "to_week": week_arg(request.args.get("to"))}


@bp.get("/timesheets")
@portal(module="timesheets", permission="view")
def timesheets():
    weeks = _range()
    sheet = orders().timesheets(org_id(), customer_id(), **weeks)
    may_decide = "approve" in (principal().get("permissions") or [])
    forms = {w["week"]: DecisionForm(prefix=w["week"], formdata=None) for w in sheet["weeks"]} if may_decide else {}
    query = {"from": weeks["from_week"], "to": weeks["to_week"]}
    return render_template("portal/timesheets/timesheets.html", sheet=sheet, weeks=weeks, forms=forms,
                           week_labels=WEEK_LABELS, hours=hours,
                           csv_url=url_for("portal_timesheets.export", **{k: v for k, v in query.items() if v}))


@bp.get("/timesheets.csv")
@portal(module="timesheets", permission="view")
def export():
    weeks = _range()
    sheet = orders().timesheets(org_id(), customer_id(), **weeks)
    name = "timesheet-{}-{}.csv".format(weeks["from_week"] or "start", weeks["to_week"] or "now")
    return Response(timesheet_csv(sheet["weeks"]).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/timesheets/<week>/decision")
@portal(module="timesheets", permission="approve")
def decide(week: str):
    form = DecisionForm(prefix=week)
    if week_arg(week) != week or not form.validate_on_submit():
        flash(_("Please choose approve or dispute."), "error")
    else:
        approve = form.decision.data == "approve"
        try:
            orders().decide_week(org_id(), customer_id(), week, approve, (form.comment.data or "").strip() or None)
        except ServiceProblem as problem:
            if problem.status not in (409, 422):
                raise
            flash(problem.detail, "error")
        else:
            flash(_("Week %(week)s approved: we have told the team.", week=week) if approve
                  else _("Week %(week)s disputed: we have told the team.", week=week), "success")
    return redirect(url_for("portal_timesheets.timesheets") + f"#week-{week}")
