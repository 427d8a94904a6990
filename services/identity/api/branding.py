"""identity's API for an org's logo (the brand colour is a portal setting)."""
import base64
import binascii

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.errors import DomainError
from services.chassis.web import runtime
from services.identity.api.schemas import LogoIn, LogoOut
from services.identity.domain.commands import PutLogo, RemoveLogo
from services.identity.domain.staff import MANAGERS
from services.identity.handlers import branding
from services.identity.queries.branding import logo

blp = Blueprint("branding", __name__, description="An org's logo")


def _base64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError("The logo did not arrive as base64.", field="data") from None


@blp.route("/orgs/<org_id>/logo")
class Logo(MethodView):
    @auth.public
    def get(self, org_id):
        """The image itself (public: it is shown on the sign-in page)."""
        row = logo(runtime(), org_id)
        return Response(row.data, mimetype=row.content_type,
                        headers={"ETag": f'"{row.version}"', "X-Content-Type-Options": "nosniff"})

    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(LogoIn)
    @blp.response(200, LogoOut)
    def put(self, body, org_id):
        """A PNG, JPEG or WebP image, base64 in `data`; says PortalSettingsChanged (logo)."""
        return branding.put_logo(runtime(), PutLogo(org_id, _base64(body["data"])))

    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.response(204)
    def delete(self, org_id):
        branding.remove_logo(runtime(), RemoveLogo(org_id))
