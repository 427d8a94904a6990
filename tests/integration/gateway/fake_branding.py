"""The in-memory identity's brand calls (API.md, "Brand"): the colour's contrast rule and the
logo checked by its first bytes, as identity does; mixed into FakeIdentity."""
from __future__ import annotations

import base64
import hashlib

from services.identity.domain.branding import check_colour, logo_type
from services.chassis.errors import DomainError


class FakeBranding:
    def init_branding(self) -> None:
        self.logos: dict[str, tuple[str, bytes]] = {}      # org id -> (content type, image)
        org = r"/orgs/(?P<org>[^/]+)"
        # first, so that a colour is checked before the plain settings change applies it
        self.routes[:0] = [("PATCH", org + "/settings", self._brand_settings)]
        self.routes += [("GET", org, self._get_org), ("PUT", org + "/logo", self._put_logo),
                        ("DELETE", org + "/logo", self._delete_logo)]

    def _refuse(self, error: DomainError):
        self.problem(422, error.detail, {"json": {error.extensions["field"]: [error.detail]}})

    def _brand_settings(self, body, org):
        if body.get("brand_colour") is not None:
            try:
                body["brand_colour"] = check_colour(body["brand_colour"])
            except DomainError as error:
                self._refuse(error)
        return self._change_settings(body, org)

    def _get_org(self, body, org):
        return self._org(org)

    def _put_logo(self, body, org):
        current = self._org(org)
        image = base64.b64decode(body["data"])
        try:
            content_type = logo_type(image)
        except DomainError as error:
            self._refuse(error)
        self.logos[org] = (content_type, image)
        current["settings"]["logo"] = hashlib.sha256(image).hexdigest()[:32]
        return {"version": current["settings"]["logo"], "content_type": content_type, "size": len(image)}

    def _delete_logo(self, body, org):
        self._org(org)["settings"]["logo"] = None
        self.logos.pop(org, None)

    def logo(self, org: str):
        if self.down:
            self._call("GET", "/down")                  # raises ServiceUnavailable, as the client would
        return self.logos.get(org)
