"""An org's brand in its portal: one colour and a logo.

The colour fills the header (under white text) and colours links and buttons on white, so
it must keep WCAG 2.2 AA contrast with white (4.5:1 for normal text): a brand colour that
would make the portal hard to read is refused with the measured ratio, not quietly used.
A logo is a PNG, JPEG or WebP image of at most LOGO_MAX_BYTES, recognised by its first
bytes (never by a name or a declared type); SVG is refused because it can carry script."""
from __future__ import annotations

import re

from services.chassis.errors import DomainError

MIN_CONTRAST = 4.5
LOGO_MAX_BYTES = 256 * 1024
HEX = re.compile(r"^#[0-9a-f]{6}$")
SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_with_white(colour: str) -> float:
    return 1.05 / (luminance(colour) + 0.05)


def check_colour(value: str) -> str:
    colour = (value or "").strip().lower()
    if not HEX.match(colour):
        raise DomainError("Give the colour as # and six hexadecimal digits, like #1d4ed8.",
                          field="brand_colour")
    ratio = contrast_with_white(colour)
    if ratio < MIN_CONTRAST:
        raise DomainError(f"White text on {colour} has a contrast of {ratio:.1f}:1; at least "
                          f"{MIN_CONTRAST}:1 is needed to be readable. Choose a darker colour.",
                          field="brand_colour")
    return colour


def logo_type(data: bytes) -> str:
    """The image type of an acceptable logo, from its content."""
    if not data:
        raise DomainError("The logo file is empty.", field="logo")
    if len(data) > LOGO_MAX_BYTES:
        raise DomainError(f"The logo is {len(data) // 1024} KB; at most {LOGO_MAX_BYTES // 1024} KB "
                          "is allowed.", field="logo")
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise DomainError("The logo must be a PNG, JPEG or WebP image.", field="logo")
