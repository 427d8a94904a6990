"""Service reviews by contacts (module "reviews"); staff read them through the staff API."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.web import runtime
from services.support.api.common import viewer
from services.support.api.schemas import ReviewIn, ReviewOut
from services.support.domain.commands import SubmitReview
from services.support.handlers import reviews

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

