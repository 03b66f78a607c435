"""Trusted issuers (P-10): an organization's own identity provider, or a peer ATOM region, whose tokens
are accepted for that organization only.

A token whose `iss` is not ours is looked up among the trusted issuers of the organization the
request names (`X-Atom-Organization`, or the only organization that trusts that issuer), verified
against the issuer's public keys (inline, or fetched from its JWKS URL, cached, refetched on an
unknown `kid` at most once per refresh interval), and its claims become a federated principal that
acts with the roles the trust allows, in that organization only.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth import outbound, repository
from domain.auth.errors import AuthErrorCode as Code
from domain.auth.models import TrustedIssuer
from domain.auth.policies import Authorizer, role_subject
from domain.auth.service import check_no_escalation
from domain.auth.tokens import VERIFICATION_LEEWAY, check_token_times
from domain.clock import clock
from domain.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, PermissionDenied
from domain.principal import Principal, PrincipalKind

# Asymmetric algorithms only: a JWKS holds public keys, and an HMAC "key" taken from one would let
# anybody who read it sign tokens (the classic algorithm-confusion attack).
ACCEPTED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
IDENTITY_KINDS = ("user", "service")
MAX_ISSUERS_PER_ORGANIZATION = 20
MAX_JWKS_BYTES = 256 * 1024
MAX_JWKS_KEYS = 50
MAX_REQUIRED_CLAIMS = 10
MAX_ROLES_PER_TOKEN = 20
PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


# ---------------------------------------------------------------- errors of a refused token


def _refused(message: str, reason: str, **audit: Any) -> AuthenticationFailed:
    return AuthenticationFailed(message, reason=reason, **audit)


class IssuerUnavailable(AuthenticationFailed):
    """The issuer's keys could not be fetched (down, slow, or not a JWKS): not the caller's fault, so
    the server answers 503 rather than 401."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="ISSUER_UNAVAILABLE", code="SERVICE_UNAVAILABLE")


# ---------------------------------------------------------------- the issuers' keys


@dataclass(frozen=True, slots=True)
class IssuerKeyPolicy:
    """How keys are fetched: the timeout of one fetch, how long a JWKS is fresh, and how often an
    unknown `kid` may send us back to the issuer (so forged kids cannot make us hammer it)."""

    fetch_timeout_seconds: float = 5.0
    cache_seconds: float = 600.0
    refresh_interval_seconds: float = 30.0
    allow_private_addresses: bool = False  # see domain.auth.outbound


@dataclass(frozen=True, slots=True)
class IssuerUrlPolicy:
    """Which URLs an organization may register: http:// (development) and addresses off the public
    internet (a JWKS URL naming a private or loopback IP; names are checked when fetched)."""

    allow_http: bool = False
    allow_private_addresses: bool = False


@dataclass(slots=True)
class _CachedKeys:
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    fetched_at: float | None = None  # monotonic time of the last good fetch
    attempted_at: float | None = None  # monotonic time of the last fetch, good or not
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def parse_jwks(document: object) -> dict[str, dict[str, Any]]:
    """The public signing keys of a JWKS by `kid`; ValueError when it is not a JWKS of public keys.
    Keys without a `kid`, or for encryption only, are left out."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("a JWKS is an object with a `keys` array")
    found: dict[str, dict[str, Any]] = {}
    for jwk in document["keys"][:MAX_JWKS_KEYS]:
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kty"), str):
            raise ValueError("every key of a JWKS is an object with a `kty`")
        if PRIVATE_JWK_MEMBERS & jwk.keys():
            raise ValueError("a JWKS to trust holds public keys only (no private or symmetric keys)")
        if jwk.get("use", "sig") != "sig" or not isinstance(jwk.get("kid"), str) or not jwk["kid"]:
            continue
        try:
            jwt.PyJWK.from_dict(jwk)
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError) as exc:
            raise ValueError(f"key {jwk['kid']!r} is not a usable public key: {exc}") from exc
        found[jwk["kid"]] = jwk
    return found


class IssuerKeys:
    """Process-wide cache of trusted issuers' JWKS, keyed by URL (several organizations may trust one
    issuer). It is only a cache: every entry can be fetched again from the issuer."""

    def __init__(self, policy: IssuerKeyPolicy | None = None) -> None:
        self.policy = policy or IssuerKeyPolicy()
        self._cache: dict[str, _CachedKeys] = {}

    async def key(self, trust: TrustedIssuer, kid: str) -> dict[str, Any] | None:
        """The JWK `kid` of `trust`, or None when the issuer does not have it (after a refetch, if one
        is allowed now). IssuerUnavailable when the keys cannot be had at all."""
        if trust.jwks is not None:
            return parse_jwks(trust.jwks).get(kid)
        assert trust.jwks_url is not None
        entry = self._cache.setdefault(trust.jwks_url, _CachedKeys())
        now = time.monotonic()
        fresh = entry.fetched_at is not None and now - entry.fetched_at < self.policy.cache_seconds
        if fresh and kid in entry.keys:
            return entry.keys[kid]
        async with entry.lock:  # one fetch at a time per URL; waiters see its result
            now = time.monotonic()
            fresh = entry.fetched_at is not None and now - entry.fetched_at < self.policy.cache_seconds
            recently = (
                entry.attempted_at is not None
                and now - entry.attempted_at < self.policy.refresh_interval_seconds
            )
            if (fresh and kid in entry.keys) or (recently and entry.fetched_at is not None):
                return entry.keys.get(kid)
            if recently:  # the last fetch failed a moment ago: do not hammer a failing issuer
                raise IssuerUnavailable(
                    f"The keys of issuer {trust.issuer} could not be fetched; try again shortly."
                )
            entry.attempted_at = now
            try:
                entry.keys = await self._fetch(trust.jwks_url)
            except IssuerUnavailable:
                if entry.fetched_at is not None and kid in entry.keys:
                    return entry.keys[kid]  # stale but known: better than refusing everybody
                raise
            entry.fetched_at = time.monotonic()
            return entry.keys.get(kid)

    async def _fetch(self, url: str) -> dict[str, dict[str, Any]]:
        timeout = self.policy.fetch_timeout_seconds
        try:
            async with (
                outbound.client(
                    timeout=timeout, allow_private_addresses=self.policy.allow_private_addresses
                ) as client,
                asyncio.timeout(timeout),  # connect + read + the whole body, not per chunk
                client.stream("GET", url, headers={"Accept": "application/json"}) as response,
            ):
                if response.status_code != 200:
                    raise IssuerUnavailable(f"The JWKS endpoint {url} answered HTTP {response.status_code}.")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_JWKS_BYTES:
                        raise IssuerUnavailable(f"The JWKS at {url} is larger than {MAX_JWKS_BYTES} bytes.")
        except TimeoutError as exc:
            raise IssuerUnavailable(f"The JWKS endpoint {url} did not answer within {timeout:g} s.") from exc
        except httpx.HTTPError as exc:
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise IssuerUnavailable(
                f"The JWKS endpoint {url} could not be reached ({detail[:200]})."
            ) from exc
        try:
            return parse_jwks(json.loads(bytes(body)))
        except ValueError as exc:
            raise IssuerUnavailable(f"The JWKS endpoint {url} did not serve a JWKS: {exc}.") from exc


# ---------------------------------------------------------------- registering an issuer


@dataclass(frozen=True, slots=True)
class IssuerSpec:
    """What an organization says about an issuer it trusts (the fields of add/update)."""

    name: str
    issuer: str
    audience: str
    jwks_url: str | None = None
    jwks: str | None = None  # a JWKS document, as JSON text
    identity_kind: str = "service"
    subject_claim: str = "sub"
    user_claim: str = "email"
    roles_claim: str = "roles"
    allowed_roles: Sequence[str] = ()
    default_roles: Sequence[str] = ()
    required_claims: Sequence[tuple[str, str]] = ()


def _url(
    value: str, *, field: str, code: Code, policy: IssuerUrlPolicy, max_length: int, fetched: bool = False
) -> str:
    value = value.strip()
    if len(value) > max_length:
        raise InvalidInput(f"The URL is longer than {max_length} characters.", code=code, field=field)
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise InvalidInput("Give an absolute https:// URL without credentials.", code=code, field=field)
    if parts.scheme == "http" and not policy.allow_http:
        raise InvalidInput(
            "Only https:// is accepted here (ATOM_TRUSTED_ISSUER_ALLOW_HTTP allows http:// in development).",
            code=code,
            field=field,
        )
    if fetched and not policy.allow_private_addresses:
        address = outbound.literal_address(parts.hostname)
        if address is not None and not outbound.is_public(address):  # names are checked when fetched
            raise InvalidInput(
                "The server fetches this URL: it must not name a private, loopback or link-local address.",
                code=code,
                field=field,
            )
    return value


def _claim_name(value: str, *, field: str) -> str:
    value = value.strip()
    if not value or len(value) > 200 or any(ch.isspace() for ch in value):
        raise InvalidInput(
            "A claim name is 1 to 200 characters without spaces.", code=Code.INVALID_CLAIM, field=field
        )
    return value


def _inline_jwks(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
        keys = parse_jwks(document)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise InvalidInput(f"Not a usable JWKS: {exc}.", code=Code.INVALID_JWKS, field="jwks") from exc
    if not keys:
        raise InvalidInput("The JWKS has no signing key with a `kid`.", code=Code.INVALID_JWKS, field="jwks")
    return {"keys": list(keys.values())}


async def _checked(
    session: AsyncSession,
    principal: Principal,
    *,
    authorizer: Authorizer,
    spec: IssuerSpec,
    own_issuer: str,
    urls: IssuerUrlPolicy,
) -> dict[str, Any]:
    """The columns of a trusted issuer from `spec`, or InvalidInput/PermissionDenied naming the field."""
    organization_id = principal.organization_id
    assert organization_id is not None
    name = spec.name.strip()
    if not 1 <= len(name) <= 120:
        raise InvalidInput("Must be 1 to 120 characters.", code=Code.INVALID, field="name")
    issuer = _url(spec.issuer, field="issuer", code=Code.INVALID_ISSUER, policy=urls, max_length=500)
    if issuer.rstrip("/") == own_issuer.rstrip("/"):
        raise InvalidInput(
            "This deployment's own tokens are always accepted; trust another issuer.",
            code=Code.INVALID_ISSUER,
            field="issuer",
        )
    audience = spec.audience.strip()
    if not 1 <= len(audience) <= 500:
        raise InvalidInput(
            "Name the audience the issuer's tokens carry.", code=Code.INVALID, field="audience"
        )
    if (spec.jwks_url is None) == (spec.jwks is None):
        raise InvalidInput(
            "Give either jwksUrl or an inline jwks (one of them).", code=Code.JWKS_REQUIRED, field="jwksUrl"
        )
    jwks_url = (
        _url(
            spec.jwks_url,
            field="jwksUrl",
            code=Code.INVALID_JWKS_URL,
            policy=urls,
            max_length=2000,
            fetched=True,
        )
        if spec.jwks_url is not None
        else None
    )
    jwks = _inline_jwks(spec.jwks) if spec.jwks is not None else None
    if spec.identity_kind not in IDENTITY_KINDS:
        raise InvalidInput("The identity is USER or SERVICE.", code=Code.INVALID, field="identity")
    allowed = sorted(set(spec.allowed_roles))
    if not allowed:
        raise InvalidInput("Allow at least one role.", code=Code.ROLE_NOT_FOUND, field="allowedRoles")
    granted: set[str] = set()
    for role in allowed:
        if await repository.get_role(session, organization_id, role) is None:
            raise NotFound(f"No role named {role!r}.", code=Code.ROLE_NOT_FOUND, field="allowedRoles")
        granted |= await authorizer.permissions_of(organization_id, role_subject(role))
    # Trusting an issuer hands these roles out: nobody hands out what they do not hold.
    await check_no_escalation(authorizer, principal, granted, field="allowedRoles")
    defaults = sorted(set(spec.default_roles))
    if set(defaults) - set(allowed):
        raise InvalidInput(
            "Default roles must be among the allowed roles.", code=Code.ROLE_NOT_ALLOWED, field="defaultRoles"
        )
    if len(spec.required_claims) > MAX_REQUIRED_CLAIMS:
        raise InvalidInput(
            f"At most {MAX_REQUIRED_CLAIMS} required claims.", code=Code.INVALID_CLAIM, field="requiredClaims"
        )
    required = []
    for claim, value in spec.required_claims:
        if not isinstance(value, str) or not 1 <= len(value) <= 500:
            raise InvalidInput(
                "A required claim's value is 1 to 500 characters.",
                code=Code.INVALID_CLAIM,
                field="requiredClaims",
            )
        required.append([_claim_name(claim, field="requiredClaims"), value])
    return {
        "name": name,
        "issuer": issuer,
        "audience": audience,
        "jwks_url": jwks_url,
        "jwks": jwks,
        "identity_kind": spec.identity_kind,
        "subject_claim": _claim_name(spec.subject_claim, field="subjectClaim"),
        "user_claim": _claim_name(spec.user_claim, field="userClaim"),
        "roles_claim": _claim_name(spec.roles_claim, field="rolesClaim"),
        "allowed_roles": allowed,
        "default_roles": defaults,
        "required_claims": sorted(required),
    }


async def add_trusted_issuer(
    session: AsyncSession,
    principal: Principal,
    *,
    authorizer: Authorizer,
    spec: IssuerSpec,
    own_issuer: str,
    urls: IssuerUrlPolicy,
) -> TrustedIssuer:
    organization_id = _organization_of(principal)
    columns = await _checked(
        session, principal, authorizer=authorizer, spec=spec, own_issuer=own_issuer, urls=urls
    )
    count = await session.scalar(
        select(func.count())
        .select_from(TrustedIssuer)
        .where(TrustedIssuer.organization_id == organization_id)
    )
    if (count or 0) >= MAX_ISSUERS_PER_ORGANIZATION:
        raise Conflict(
            f"An organization trusts at most {MAX_ISSUERS_PER_ORGANIZATION} issuers.",
            code=Code.TOO_MANY_ISSUERS,
            field="issuer",
        )
    if await _by_issuer(session, organization_id, columns["issuer"]) is not None:
        raise Conflict(
            "This organization trusts that issuer already.", code=Code.ISSUER_EXISTS, field="issuer"
        )
    now = clock.now()
    trust = TrustedIssuer(organization_id=organization_id, created_at=now, updated_at=now, **columns)
    session.add(trust)
    await session.flush()
    return trust


async def update_trusted_issuer(
    session: AsyncSession,
    principal: Principal,
    *,
    authorizer: Authorizer,
    trusted_issuer_id: uuid.UUID,
    spec: IssuerSpec,
    own_issuer: str,
    urls: IssuerUrlPolicy,
) -> TrustedIssuer:
    trust = await get_trusted_issuer(session, principal, trusted_issuer_id=trusted_issuer_id)
    columns = await _checked(
        session, principal, authorizer=authorizer, spec=spec, own_issuer=own_issuer, urls=urls
    )
    other = await _by_issuer(session, trust.organization_id, columns["issuer"])
    if other is not None and other.id != trust.id:
        raise Conflict(
            "This organization trusts that issuer already.", code=Code.ISSUER_EXISTS, field="issuer"
        )
    for column, value in columns.items():
        setattr(trust, column, value)
    trust.updated_at = clock.now()
    await session.flush()
    return trust


async def remove_trusted_issuer(
    session: AsyncSession, principal: Principal, *, trusted_issuer_id: uuid.UUID
) -> TrustedIssuer:
    trust = await get_trusted_issuer(session, principal, trusted_issuer_id=trusted_issuer_id)
    await session.execute(delete(TrustedIssuer).where(TrustedIssuer.id == trust.id))
    return trust


async def get_trusted_issuer(
    session: AsyncSession, principal: Principal, *, trusted_issuer_id: uuid.UUID
) -> TrustedIssuer:
    stmt = repository.tenant_scoped(TrustedIssuer, principal).where(TrustedIssuer.id == trusted_issuer_id)
    trust = (await session.execute(stmt)).scalar_one_or_none()
    if trust is None:
        raise NotFound("No such trusted issuer.", code=Code.NOT_FOUND, field="trustedIssuerId")
    return trust


async def trusted_issuers_of(session: AsyncSession, organization_id: uuid.UUID) -> Sequence[TrustedIssuer]:
    """An organization's trusted issuers (the caller's roles:read there is checked by the field)."""
    stmt = select(TrustedIssuer).where(TrustedIssuer.organization_id == organization_id)
    return (await session.execute(stmt.order_by(TrustedIssuer.id))).scalars().all()


def _organization_of(principal: Principal) -> uuid.UUID:
    if principal.organization_id is None:
        raise PermissionDenied("Select an organization first.", code="FORBIDDEN")
    return principal.organization_id


async def _by_issuer(session: AsyncSession, organization_id: uuid.UUID, issuer: str) -> TrustedIssuer | None:
    stmt = select(TrustedIssuer).where(
        TrustedIssuer.organization_id == organization_id, TrustedIssuer.issuer == issuer
    )
    return (await session.execute(stmt)).scalar_one_or_none()


# ---------------------------------------------------------------- a token from a trusted issuer


def claim(claims: Mapping[str, Any], path: str) -> Any:
    """A claim by name (`https://example.com/roles` may contain dots), else by dotted path into nested
    objects (`realm_access.roles`, as Keycloak puts roles)."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def external_subject(trust: TrustedIssuer, subject: str) -> str:
    """`ext:<trust id>:<subject>`, at most 80 characters (long subjects by their SHA-256)."""
    if len(subject) > 39 or not subject.isprintable():
        subject = "sha256-" + hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"ext:{trust.id}:{subject}"


def unverified_issuer(token: str) -> str | None:
    """The `iss` of a JWT without checking anything, to route it; None if it is no JWT with one."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) else None


async def _trust_for(session: AsyncSession, issuer: str, organization_slug: str | None) -> TrustedIssuer:
    trusts = await repository.trusts_of_issuer(session, issuer, organization_slug=organization_slug, limit=2)
    if not trusts:
        # The same answer whether the organization exists or not.
        raise _refused("No organization here trusts this token's issuer.", "ISSUER_NOT_TRUSTED")
    if len(trusts) > 1:
        raise _refused(
            "Name the organization this token is for in the X-Atom-Organization header.",
            "ORGANIZATION_REQUIRED",
        )
    return trusts[0]


async def principal_for_external_token(
    session: AsyncSession,
    *,
    keys: IssuerKeys,
    token: str,
    issuer: str,
    organization_slug: str | None,
    request_id: str | None,
    client_address: str | None,
    leeway_seconds: float = VERIFICATION_LEEWAY.total_seconds(),
) -> Principal:
    """The federated principal of a token from a trusted issuer; AuthenticationFailed otherwise.
    A refusal after the signature checked out names the subject, so it is audited."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise _refused("The access token is malformed.", "INVALID_TOKEN") from exc
    algorithm = header.get("alg")
    if algorithm not in ACCEPTED_ALGORITHMS:
        raise _refused("The token's algorithm is not accepted.", "INVALID_ALGORITHM")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise _refused("The token names no signing key (kid).", "UNKNOWN_KEY")
    trust = await _trust_for(session, issuer, organization_slug)
    jwk = await keys.key(trust, kid)
    if jwk is None:
        raise _refused("The token was signed by a key its issuer does not publish.", "UNKNOWN_KEY")
    try:
        key = jwt.PyJWK.from_dict(jwk, algorithm=algorithm)
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=trust.audience,
            issuer=trust.issuer,
            options={
                "require": ["exp", "iss", "aud"],
                "verify_exp": False,  # checked below on the domain clock, like our own tokens
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except jwt.InvalidAudienceError as exc:
        raise _refused("The token is for another audience.", "INVALID_AUDIENCE") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise _refused(f"The token lacks the {exc.claim} claim.", "INVALID_TOKEN") from exc
    except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError) as exc:
        raise _refused("The token's signature is invalid.", "INVALID_SIGNATURE") from exc
    except (jwt.PyJWKError, jwt.InvalidKeyError) as exc:
        raise _refused("The token's algorithm does not fit its key.", "INVALID_ALGORITHM") from exc
    except jwt.InvalidTokenError as exc:
        raise _refused("The token is invalid.", "INVALID_TOKEN") from exc
    subject_value = claim(claims, trust.subject_claim)
    if not isinstance(subject_value, str) or not subject_value:
        raise _refused(f"The token lacks the {trust.subject_claim} claim.", "INVALID_TOKEN")
    external = external_subject(trust, subject_value)
    audit: dict[str, Any] = {"subject": external, "organization_id": trust.organization_id}
    expired = check_token_times(claims, leeway_seconds)
    if expired is not None:
        raise _refused(expired[0], expired[1], **audit)
    for name, wanted in trust.required_claims:
        present = _strings(claim(claims, name))
        if present is None or wanted not in present:
            raise _refused(
                f"The token's {name} claim is not one this organization trusts.", "CLAIM_MISMATCH", **audit
            )
    roles = _strings(claim(claims, trust.roles_claim))
    if roles is None:
        roles = list(trust.default_roles)
    if not roles:
        raise _refused("The token maps to no role in this organization.", "ROLE_NOT_ALLOWED", **audit)
    refused_roles = sorted(set(roles) - set(trust.allowed_roles))
    if refused_roles or len(roles) > MAX_ROLES_PER_TOKEN:
        raise _refused(
            f"The organization does not allow its issuer these roles: {', '.join(refused_roles)}.",
            "ROLE_NOT_ALLOWED",
            **audit,
        )
    user_id = None
    if trust.identity_kind == "user":
        user_id = await _member_for(session, trust, claim(claims, trust.user_claim))
        if user_id is None:
            raise _refused(
                f"The token's {trust.user_claim} is not a member of this organization.",
                "NOT_A_MEMBER",
                **audit,
            )
    return Principal(
        PrincipalKind.FEDERATED,
        user_id=user_id,
        organization_id=trust.organization_id,
        roles=frozenset(roles),
        external_subject=None if user_id else external,
        request_id=request_id,
        client_address=client_address,
        extra={"trusted_issuer_id": str(trust.id)},
    )


async def _member_for(session: AsyncSession, trust: TrustedIssuer, value: Any) -> uuid.UUID | None:
    """The member of the trust's organization whose e-mail is the mapped claim's value."""
    if not isinstance(value, str) or not value or len(value) > 254:
        return None
    return await repository.member_by_email(session, trust.organization_id, value.strip().lower())
