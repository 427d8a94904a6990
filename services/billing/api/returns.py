"""The customer back from a gateway's hosted page: the portal's return page reports it here
and billing finishes the payment (a PayPal capture) or fails it (cancelled). See
handlers/returns.py."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.billing.api.payments import PAY, customer_detail
from services.billing.api.schemas import PaymentOut
from services.billing.domain.commands import ReturnFromGateway
from services.billing.handlers import returns
from services.chassis import auth
from services.chassis.web import runtime

blp = Blueprint("payment_returns", __name__, description="The customer back from a gateway's payment page")


class GatewayReturnIn(Schema):
    gateway = fields.String(required=True, validate=validate.OneOf(returns.RETURNABLE))
    reference = fields.String(load_default=None, validate=validate.Length(min=1, max=255),
                              metadata={"description": "PayPal: the order id (`token` of the return URL); "
                                                       "Stripe: the Checkout Session id."})
    payment_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64),
                               metadata={"description": "Instead of `reference`: billing's payment id, which "
                                                        "Stripe's cancel URL carries (it names no session)."})
    cancelled = fields.Boolean(load_default=False,
                               metadata={"description": "true: the customer came back through the cancel URL."})

    @validates_schema
    def one_of(self, data, **kwargs):
        if not data.get("reference") and not data.get("payment_id"):
            raise ValidationError("Give the gateway's reference or the payment id.", "reference")


@blp.route("/orgs/<org_id>/customers/<customer_id>/payments/gateway-return")
class GatewayReturn(MethodView):
    @auth.requires("contact", **PAY)
    @blp.arguments(GatewayReturnIn)
    @blp.response(200, PaymentOut)
    @blp.alt_response(404, description="No payment of this customer has this reference at this gateway.")
    @blp.alt_response(502, description="The gateway could not be reached to capture; the return may be retried.")
    def post(self, body, org_id, customer_id):
        """Capture an approved PayPal order (once, however often the customer comes back), or fail
        the payment the customer cancelled; answers the payment."""
        payment_id = returns.come_back(runtime(), ReturnFromGateway(
            org_id, customer_id, body["gateway"], body["reference"], body["cancelled"], payment_id=body["payment_id"]))
        return customer_detail(org_id, customer_id, payment_id)
