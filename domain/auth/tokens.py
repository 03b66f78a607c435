"""Access tokens (EdDSA JWTs) and their verification. The accepted algorithms are fixed here, in code."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.keys import ALGORITHM, KeyRing
from domain.clock import clock
from domain.errors import AuthenticationFailed

ACCEPTED_ALGORITHMS = (ALGORITHM,)
# Clock skew tolerated on exp/nbf/iat. A superseded key must outlive its last token by this much too.
VERIFICATION_LEEWAY = timedelta(seconds=30)
REQUIRED_CLAIMS = ("exp", "iat", "sub", "iss", "aud")


@dataclass(frozen=True, slots=True)
class TokenSettings:
    issuer: str
    audience: str
    access_token_ttl: timedelta
    refresh_token_ttl: timedelta
    leeway: timedelta = VERIFICATION_LEEWAY


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    organization_id: uuid.UUID | None
    token_id: str
    expires_at: datetime


def _fail(message: str, reason: str) -> AuthenticationFailed:
    return AuthenticationFailed(message, reason=reason)


class TokenService:
    def __init__(self, keyring: KeyRing, settings: TokenSettings) -> None:
        self.keyring = keyring
        self.settings = settings

    async def issue_access_token(
        self, session: AsyncSession, *, user_id: uuid.UUID, organization_id: uuid.UUID | None
    ) -> tuple[str, datetime]:
        key = await self.keyring.signing_key(session)
        now = clock.now()
        expires_at = now + self.settings.access_token_ttl
        claims: dict[str, object] = {
            "iss": self.settings.issuer,
            "aud": self.settings.audience,
            "sub": str(user_id),
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "jti": uuid.uuid4().hex,
        }
        if organization_id is not None:
            claims["org"] = str(organization_id)
        token = jwt.encode(
            claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": "JWT"}
        )
        return token, expires_at

    async def verify_access_token(self, session: AsyncSession, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:  # not a JWT, or a header pyjwt refuses (kid type, crit)
            raise _fail("The access token is malformed.", "INVALID_TOKEN") from exc
        if header.get("alg") not in ACCEPTED_ALGORITHMS:
            raise _fail("The access token's algorithm is not accepted.", "INVALID_ALGORITHM")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise _fail("The access token names no signing key.", "UNKNOWN_KEY")
        public_key = await self.keyring.verification_key(session, kid)
        if public_key is None:
            raise _fail("The access token was signed by an unknown key.", "UNKNOWN_KEY")
        try:
            claims = jwt.decode(
                token,
                public_key,
                algorithms=list(ACCEPTED_ALGORITHMS),
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                # Times are checked below against the domain clock, the one tokens are issued by.
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_signature": True,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidAudienceError as exc:
            raise _fail("The access token is for another audience.", "INVALID_AUDIENCE") from exc
        except jwt.InvalidIssuerError as exc:
            raise _fail("The access token is from another issuer.", "INVALID_ISSUER") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise _fail(f"The access token lacks the {exc.claim} claim.", "INVALID_TOKEN") from exc
        except jwt.InvalidSignatureError as exc:
            raise _fail("The access token's signature is invalid.", "INVALID_SIGNATURE") from exc
        except jwt.InvalidTokenError as exc:
            raise _fail("The access token is invalid.", "INVALID_TOKEN") from exc
        self._check_times(claims)
        try:
            user_id = uuid.UUID(str(claims["sub"]))
            org = claims.get("org")
            organization_id = uuid.UUID(str(org)) if org is not None else None
        except ValueError as exc:
            raise _fail("The access token's subject is invalid.", "INVALID_TOKEN") from exc
        return AccessClaims(
            user_id=user_id,
            organization_id=organization_id,
            token_id=str(claims.get("jti", "")),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC),
        )

    def _check_times(self, claims: dict[str, Any]) -> None:
        refused = check_token_times(claims, self.settings.leeway.total_seconds())
        if refused is None:
            return
        failure = _fail(*refused)
        if refused[1] == "TOKEN_EXPIRED":
            # Signed by us: who it names is known, and the refusal is audited for them.
            with contextlib.suppress(ValueError, TypeError):
                failure.subject = f"user:{uuid.UUID(str(claims['sub']))}"
                org = claims.get("org")
                failure.organization_id = uuid.UUID(str(org)) if org is not None else None
        raise failure


def check_token_times(claims: dict[str, Any], leeway_seconds: float) -> tuple[str, str] | None:
    """exp, nbf and iat against `clock.now()` with a leeway (PyJWT's rules, on our clock): None when
    they hold, else (message, reason)."""
    now = clock.now().timestamp()
    try:
        expires = float(claims["exp"])
        issued = float(claims.get("iat", now))
        not_before = float(claims.get("nbf", issued))
    except (TypeError, ValueError, KeyError):
        return ("The access token's times are invalid.", "INVALID_TOKEN")
    if expires <= now - leeway_seconds:
        return ("The access token has expired.", "TOKEN_EXPIRED")
    if not_before > now + leeway_seconds or issued > now + leeway_seconds:
        return ("The access token is not valid yet.", "TOKEN_NOT_YET_VALID")
    return None
