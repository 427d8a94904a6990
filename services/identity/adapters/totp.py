"""TOTP (RFC 6238) with pyotp: 160-bit secrets, 30 s steps, ±1 step of drift.

`matching_step` answers which time step a code belongs to, so the caller can refuse any
step not newer than the last one accepted (a code is never accepted twice)."""
from __future__ import annotations

import datetime
import hmac
import io
import time

import pyotp
import segno

DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32(32)            # 160 bits


def otpauth_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, xmldecl=False, svgns=True,
                                    title="QR code for your authenticator app")
    return out.getvalue().decode()


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    step = totp.timecode(datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc))
    for offset in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step + offset), code):
            return step + offset
    return None

