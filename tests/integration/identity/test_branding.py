"""An org's brand through identity's API, on SQLite and PostgreSQL: a colour that keeps the
portal readable, and a logo recognised by its content, each change an event."""
from __future__ import annotations

import base64
import struct
import zlib

import pytest

from services.identity.domain.branding import LOGO_MAX_BYTES, contrast_with_white
from tests.integration.identity.test_signin import portal  # noqa: F401 - the fixture
from tests.helpers.tokens import bearer


def png(width=2, height=1) -> bytes:
    """A real, tiny PNG image."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x1d\x4e\xd8" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def put_logo(portal, data: bytes, **headers):  # noqa: F811
    return portal.client.put(f"/orgs/{portal.org}/logo", json={"data": base64.b64encode(data).decode()},
                             headers=headers)


def settings(portal):  # noqa: F811
    return portal.client.get(f"/orgs/{portal.org}").get_json()["settings"]


def test_a_readable_brand_colour_is_kept_and_said_as_an_event(portal):  # noqa: F811
    answer = portal.client.patch(f"/orgs/{portal.org}/settings", json={"brand_colour": "#0B5D1E"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["settings"]["brand_colour"] == "#0b5d1e"
    [changed] = portal.events("PortalSettingsChanged")
    assert changed.data["changed"] == ["brand_colour"]


@pytest.mark.parametrize("colour, says", [("#ffeb3b", "contrast of 1.2:1"), ("yellow", "six hexadecimal"),
                                          ("#12345", "six hexadecimal")])
def test_an_unreadable_or_malformed_colour_is_refused_with_the_reason(portal, colour, says):  # noqa: F811
    answer = portal.client.patch(f"/orgs/{portal.org}/settings", json={"brand_colour": colour})
    assert answer.status_code == 422
    assert says in answer.get_json()["errors"]["json"]["brand_colour"][0]
    assert settings(portal)["brand_colour"] is None and portal.events("PortalSettingsChanged") == []


def test_the_orgs_default_language_is_kept_and_one_not_offered_refused(portal):  # noqa: F811
    answer = portal.client.patch(f"/orgs/{portal.org}/settings", json={"default_language": "fr"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["settings"]["default_language"] == "fr"
    assert portal.client.patch(f"/orgs/{portal.org}/settings", json={"default_language": "es"}).status_code == 422
    assert settings(portal)["default_language"] == "fr"


def test_contrast_follows_wcag():
    assert round(contrast_with_white("#000000"), 1) == 21.0
    assert round(contrast_with_white("#ffffff"), 1) == 1.0
    assert round(contrast_with_white("#767676"), 2) == 4.54        # the lightest grey that passes AA


def test_a_logo_is_stored_served_by_digest_replaced_and_removed(portal):  # noqa: F811
    image = png()
    answer = put_logo(portal, image)
    assert answer.status_code == 200, answer.get_json()
    version = answer.get_json()["version"]
    assert answer.get_json()["content_type"] == "image/png" and settings(portal)["logo"] == version
    served = portal.client.get(f"/orgs/{portal.org}/logo", headers={"Authorization": ""})
    assert served.status_code == 200 and served.data == image and served.mimetype == "image/png"
    assert served.headers["ETag"] == f'"{version}"'

    assert put_logo(portal, png(3, 2)).get_json()["version"] != version
    assert portal.client.delete(f"/orgs/{portal.org}/logo").status_code == 204
    assert settings(portal)["logo"] is None
    assert portal.client.get(f"/orgs/{portal.org}/logo").status_code == 404
    assert [e.data["changed"] for e in portal.events("PortalSettingsChanged")] == [["logo"]] * 3


@pytest.mark.parametrize("data, says", [
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "PNG, JPEG or WebP"),
    (b"GIF89a....", "PNG, JPEG or WebP"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * LOGO_MAX_BYTES, "at most 256 KB"),
])
def test_a_logo_that_is_not_a_small_raster_image_is_refused(portal, data, says):  # noqa: F811
    answer = put_logo(portal, data)
    assert answer.status_code == 422 and says in str(answer.get_json())
    assert settings(portal)["logo"] is None


def test_garbage_instead_of_base64_is_a_clear_422(portal):  # noqa: F811
    answer = portal.client.put(f"/orgs/{portal.org}/logo", json={"data": "not base64!"})
    assert answer.status_code == 422 and "base64" in answer.get_json()["errors"]["json"]["data"][0]


def test_only_owners_and_admins_change_the_logo(portal):  # noqa: F811
    agent = bearer("staff", portal.org, role="agent")
    assert put_logo(portal, png(), **agent).status_code == 403
    other_org = bearer("staff", "another-org")
    assert put_logo(portal, png(), **other_org).status_code == 404
    assert settings(portal)["logo"] is None
