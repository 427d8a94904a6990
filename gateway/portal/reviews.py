"""The portal's review of the business's service (module "reviews"): a rating and a
comment, at most once per the org's review period. The form is offered only when support
would take a review (a contact who just reviewed reads when it may again); support's
refusal of a review sent from an older page is shown in its own words."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, render_template

from gateway.clients.base import ServiceProblem
from gateway.portal.tickets import RatingForm, SAID_TO_PERSON, support
from gateway.web.access import portal
from gateway.web.context import customer_id

bp = Blueprint("portal_reviews", __name__)


@bp.route("/reviews", methods=["GET", "POST"])
@portal(module="reviews")
def review():
    form = RatingForm()
    messages: list[str] = []
    done = False
    if form.validate_on_submit():
        try:
            support().review(customer_id(), int(form.rating.data), form.comment.data or None)
        except ServiceProblem as problem:
            if problem.status not in SAID_TO_PERSON:
                raise
            messages = [problem.detail]
        else:
            done = True
    status = 422 if form.errors or messages else 200
    turn = None if done or form.errors or messages else support().review_turn(customer_id())
    closed = bool(turn and turn["next_review_at"] and turn["next_review_at"] > datetime.now(timezone.utc).isoformat())
    return render_template("portal/reviews/review.html", form=form, messages=messages, done=done,
                           closed_until=turn["next_review_at"] if closed else None,
                           reviewed_at=turn["reviewed_at"] if closed else None), status
