"""The org's brand on every page: a small stylesheet with its colour (the CSP allows no
inline styles) and its logo, both addressed by content (`?v=` is the colour or the logo's
digest), so browsers may keep them for good and a change shows at once."""
from __future__ import annotations

import re

from flask import Blueprint, Response, abort, request

from gateway.clients.base import TTLCache
from gateway.web.access import public
from gateway.web.context import identity, org_id, settings

bp = Blueprint("web_brand", __name__)
HEX = re.compile(r"^#[0-9a-f]{6}$")
FOREVER = "public, max-age=31536000, immutable"
_logos = TTLCache(ttl=3600, max_items=256)      # keyed by digest: never stale, only evicted


def darker(colour: str, factor: float = 0.75) -> str:
    """The header's shade: darker than the brand colour, so white text stays readable."""
    return "#" + "".join(f"{int(int(colour[i:i + 2], 16) * factor):02x}" for i in (1, 3, 5))


@bp.get("/brand/theme.css")
@public
def theme():
    colour = settings().get("brand_colour")
    if not colour or not HEX.match(colour):
        abort(404)
    css = f":root {{ --brand: {colour}; --brand-dark: {darker(colour)}; }}\n"
    return Response(css, mimetype="text/css", headers=_cache_headers(colour[1:]))


@bp.get("/brand/logo")
@public
def logo():
    version = settings().get("logo")
    if not version:
        abort(404)
    found = _logos.get((org_id(), version), lambda: identity().logo(org_id()))
    if found is None:
        abort(404)
    content_type, image = found
    return Response(image, mimetype=content_type, headers=_cache_headers(version))


def _cache_headers(version: str) -> dict:
    """Kept for good only under the URL of this very version (an old page's URL is no-store)."""
    return {"Cache-Control": FOREVER if request.args.get("v") == version else "no-store"}
