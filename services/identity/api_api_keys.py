"""identity's API for API keys: staff make, list and revoke them; the gateway exchanges a
key for an internal token (the key travels in the body, never in a URL)."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from contracts.events.identity import API_KEY_SCOPES
from services.chassis import auth
from services.chassis.web import runtime
from services.identity import api_keys
from services.identity.domain.staff import MANAGERS

blp = Blueprint("api_keys", __name__, description="API keys for internal systems")


class KeyIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    scopes = fields.List(fields.String(validate=validate.OneOf(API_KEY_SCOPES)), required=True,
                         validate=validate.Length(min=1))


class KeyOut(Schema):
    key_id = fields.String()
    name = fields.String()
    prefix = fields.String()
    scopes = fields.List(fields.String())
    created_at = fields.Float()
    last_used_at = fields.Float(allow_none=True)
    revoked_at = fields.Float(allow_none=True)
    active = fields.Boolean()


class KeyCreated(KeyOut):
    key = fields.String(metadata={"description": "The key itself: shown this once, never again."})


class ExchangeIn(Schema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ExchangeOut(Schema):
    internal_token = fields.String()
    key_id = fields.String()
    name = fields.String()
    scopes = fields.List(fields.String())
    expires_in = fields.Integer()


@blp.route("/orgs/<org_id>/api-keys")
class Keys(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(KeyIn)
    @blp.response(201, KeyCreated)
    def post(self, body, org_id):
        return api_keys.create(runtime(), org_id, body["name"], body["scopes"], auth.principal().id)

    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.response(200, KeyOut(many=True))
    def get(self, org_id):
        return api_keys.all_of(runtime(), org_id)


@blp.route("/orgs/<org_id>/api-keys/<key_id>/revoke")
class Revoke(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.response(200, KeyOut)
    def post(self, org_id, key_id):
        return api_keys.revoke(runtime(), org_id, key_id)


@blp.route("/orgs/<org_id>/api-keys/exchange")
class Exchange(MethodView):
    @auth.public
    @blp.arguments(ExchangeIn)
    @blp.response(200, ExchangeOut)
    def post(self, body, org_id):
        """A live key of this org -> a short-lived internal token; otherwise 401."""
        return api_keys.exchange(runtime(), org_id, body["key"])
