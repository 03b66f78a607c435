"""Short-lived signed links for artifact downloads served by this server (local storage).

MinIO hands out its own presigned URLs; with local storage the server streams the bytes itself
from `/artifacts/<token>`, where the token is an HS256 JWT under a key derived from the master key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from domain.clock import clock
from domain.errors import NotFound

AUDIENCE = "atom-artifact-download"


@dataclass(frozen=True, slots=True)
class DownloadGrant:
    storage_key: str
    sha256: str
    filename: str


def sign_download(secret: bytes, grant: DownloadGrant, lifetime: timedelta) -> tuple[str, datetime]:
    expires_at = clock.now() + lifetime
    claims = {
        "aud": AUDIENCE,
        "k": grant.storage_key,
        "s": grant.sha256,
        "f": grant.filename,
        "exp": int(expires_at.timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256"), expires_at


def verify_download(secret: bytes, token: str) -> DownloadGrant:
    try:
        # Expiry is checked against the domain clock (below), like every other time in the domain.
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=AUDIENCE,
            options={"require": ["exp"], "verify_exp": False},
        )
    except jwt.InvalidTokenError as exc:
        raise NotFound("This download link is not valid (any more).", code="NOT_FOUND") from exc
    if int(claims["exp"]) <= clock.now().timestamp():
        raise NotFound("This download link is not valid (any more).", code="NOT_FOUND")
    return DownloadGrant(str(claims["k"]), str(claims["s"]), str(claims["f"]))
