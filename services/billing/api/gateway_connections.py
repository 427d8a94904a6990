"""The org's own Stripe and PayPal accounts (handlers/gateway_connections.py), for its owners
and admins in the console: read (never a secret: only "set, ends in 1234"), connect or change,
test, disconnect."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.billing.domain.commands import CheckGatewayConnection, ConnectGateway, DisconnectGateway
from services.billing.domain.gateway_connection import FIELDS
from services.billing.handlers import gateway_connections as handlers
from services.billing.queries.gateway_connections import connections
from services.chassis import auth
from services.chassis.web import runtime

blp = Blueprint("gateway_connections", __name__,
                description="Each org's own payment gateway accounts (secrets encrypted, never answered)")

MANAGERS = dict(roles=("owner", "admin"))
GATEWAY = validate.OneOf(tuple(FIELDS))


def _text(**kwargs):
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500), **kwargs)


class GatewayConnectionIn(Schema):
    secret_key = _text(metadata={"description": "Stripe: sk_... or rk_... (blank: keep the stored one)"})
    webhook_secret = _text(metadata={"description": "Stripe: the endpoint's whsec_... (blank: keep)"})
    publishable_key = _text(metadata={"description": "Stripe: pk_..."})
    client_id = _text(metadata={"description": "PayPal: the REST app's client id"})
    client_secret = _text(metadata={"description": "PayPal: the REST app's secret (blank: keep)"})
    webhook_id = _text(metadata={"description": "PayPal: the webhook subscription's id"})
    default = fields.Boolean(load_default=None, allow_none=True,
                             metadata={"description": "true: payments that name no gateway use this one"})


class GatewayConnectionSecretOut(Schema):
    set = fields.Boolean()
    ends_in = fields.String(allow_none=True)


class GatewayConnectionLastTestOut(Schema):
    at = fields.String()
    ok = fields.Boolean()
    detail = fields.String()


class GatewayConnectionOut(Schema):
    gateway = fields.String()
    default = fields.Boolean()
    updated_at = fields.String()
    webhook_path = fields.String(metadata={"description": "billing's webhook path for this org and gateway"})
    last_test = fields.Nested(GatewayConnectionLastTestOut, allow_none=True)
    publishable_key = fields.String(allow_none=True)
    client_id = fields.String(allow_none=True)
    webhook_id = fields.String(allow_none=True)
    secret_key = fields.Nested(GatewayConnectionSecretOut)
    webhook_secret = fields.Nested(GatewayConnectionSecretOut)
    client_secret = fields.Nested(GatewayConnectionSecretOut)


class GatewayConnectionsOut(Schema):
    items = fields.List(fields.Nested(GatewayConnectionOut))
    default_gateway = fields.String(allow_none=True)
    secrets_key_configured = fields.Boolean()


class GatewayConnectionTryOut(Schema):
    ok = fields.Boolean()
    detail = fields.String()


@blp.route("/orgs/<org_id>/gateway-connections")
class Connections(MethodView):
    @auth.requires("staff", **MANAGERS)
    @blp.response(200, GatewayConnectionsOut)
    def get(self, org_id):
        """The org's connections, without their secrets."""
        return connections(runtime(), org_id)


@blp.route("/orgs/<org_id>/gateway-connections/<gateway>")
class ConnectionByGateway(MethodView):
    @auth.requires("staff", **MANAGERS)
    @blp.arguments(GatewayConnectionIn)
    @blp.response(200, GatewayConnectionsOut)
    @blp.alt_response(409, description="BILLING_SECRETS_KEY is not set: no secret can be stored.")
    def put(self, body, org_id, gateway):
        """Connect or change the org's account (blank secrets keep the stored ones)."""
        return handlers.connect(runtime(), ConnectGateway(org_id, gateway, body, auth.principal().id))

    @auth.requires("staff", **MANAGERS)
    @blp.response(204)
    def delete(self, org_id, gateway):
        """Disconnect: the deployment's own account (if any) serves the org again."""
        handlers.disconnect(runtime(), DisconnectGateway(org_id, gateway))


@blp.route("/orgs/<org_id>/gateway-connections/<gateway>/test")
class ConnectionTest(MethodView):
    @auth.requires("staff", **MANAGERS)
    @blp.response(200, GatewayConnectionTryOut)
    def post(self, org_id, gateway):
        """Call the gateway with the stored keys; {ok, detail} in words (also kept as `last_test`)."""
        return handlers.check_connection(runtime(), CheckGatewayConnection(org_id, gateway))
