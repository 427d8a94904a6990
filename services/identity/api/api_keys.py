"""identity's API for API keys: staff make, list and revoke them; the gateway exchanges a
key for an internal token (the key travels in the body, never in a URL)."""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.web import runtime
from services.identity.api.schemas import ExchangeIn, ExchangeOut, KeyCreated, KeyIn, KeyOut
from services.identity.domain.commands import CreateApiKey, ExchangeApiKey, RevokeApiKey
from services.identity.domain.staff import MANAGERS
from services.identity.handlers import api_keys
from services.identity.queries.api_keys import all_of

blp = Blueprint("api_keys", __name__, description="API keys for internal systems")


@blp.route("/orgs/<org_id>/api-keys")
class Keys(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(KeyIn)
    @blp.response(201, KeyCreated)
    def post(self, body, org_id):
        return api_keys.create(runtime(), CreateApiKey(org_id, body["name"], body["scopes"], auth.principal().id))

    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.response(200, KeyOut(many=True))
    def get(self, org_id):
        return all_of(runtime(), org_id)


@blp.route("/orgs/<org_id>/api-keys/<key_id>/revoke")
class Revoke(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.response(200, KeyOut)
    def post(self, org_id, key_id):
        return api_keys.revoke(runtime(), RevokeApiKey(org_id, key_id))


@blp.route("/orgs/<org_id>/api-keys/exchange")
class Exchange(MethodView):
    @auth.public
    @blp.arguments(ExchangeIn)
    @blp.response(200, ExchangeOut)
    def post(self, body, org_id):
        """A live key of this org -> a short-lived internal token; otherwise 401."""
        return api_keys.exchange(runtime(), ExchangeApiKey(org_id, body["key"]))
