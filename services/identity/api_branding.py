"""identity's API for an org's logo (the brand colour is a portal setting)."""
import base64
import binascii

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.chassis import auth
from services.chassis.errors import DomainError
from services.chassis.web import runtime
from services.identity import logos
from services.identity.domain.branding import LOGO_MAX_BYTES
from services.identity.domain.staff import MANAGERS

blp = Blueprint("branding", __name__, description="An org's logo")


def _base64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError("The logo did not arrive as base64.", field="data") from None


class LogoIn(Schema):
    # Generous here so that an image slightly too big hears its size from the domain check.
    data = fields.String(required=True, validate=validate.Length(min=1, max=LOGO_MAX_BYTES * 2))


class LogoOut(Schema):
    version = fields.String()
    content_type = fields.String()
    size = fields.Integer()


@blp.route("/orgs/<org_id>/logo")
class Logo(MethodView):
    @auth.public
    def get(self, org_id):
        """The image itself (public: it is shown on the sign-in page)."""
        row = logos.get(runtime(), org_id)
        return Response(row.data, mimetype=row.content_type,
                        headers={"ETag": f'"{row.version}"', "X-Content-Type-Options": "nosniff"})

    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(LogoIn)
    @blp.response(200, LogoOut)
    def put(self, body, org_id):
        """A PNG, JPEG or WebP image, base64 in `data`; says PortalSettingsChanged (logo)."""
        return logos.put(runtime(), org_id, _base64(body["data"]))

    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.response(204)
    def delete(self, org_id):
        logos.remove(runtime(), org_id)
