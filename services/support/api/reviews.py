"""Service reviews by contacts (module "reviews"); staff read them through the staff API."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.web import runtime
from services.support.api.common import viewer
from services.chassis.db import read_only
from services.support.api.schemas import ReviewIn, ReviewOut, ReviewTurnOut
from services.support.domain.commands import SubmitReview
from services.support.handlers import reviews
from services.support.queries.reviews import my_turn

rv = Blueprint("reviews", __name__, description="Service reviews")


@rv.route("/orgs/<org_id>/customers/<customer_id>/reviews")
class CustomerReviews(MethodView):
    @auth.requires("contact", module="reviews")
    @rv.arguments(ReviewIn)
    @rv.response(201, ReviewOut)
    def post(self, body, org_id, customer_id):
        """Review the business's service: 1 to 5 stars and a comment, once per period
        (`review_period_days`, default 30). Only staff ever read reviews."""
        return reviews.submit_review(runtime(), SubmitReview(viewer(), body["rating"], body["comment"]))


    @auth.requires("contact", module="reviews")
    @rv.response(200, ReviewTurnOut)
    def get(self, org_id, customer_id):
        """When the signed-in contact last reviewed the service, and from when it may again
        (the portal shows the form only then)."""
        me = viewer()
        with read_only(runtime().engine) as conn:
            return my_turn(conn, org_id, me.id, reviews.period_days(conn, org_id))
