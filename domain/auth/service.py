"""Auth area services: sign-up and sessions, organizations and members, API keys, roles and policies.

Every function has the shape `verb(session, principal, *, ...)`; none commits. Coarse permissions
are declared on GraphQL fields; the object-level checks here go through tenant-scoped queries first,
so another organization's object is "not found" before anything could be "forbidden".
"""

from __future__ import annotations

import re
import secrets as pysecrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth import policies, repository
from domain.auth.errors import AuthErrorCode as Code
from domain.auth.models import (
    ApiKey,
    Invitation,
    Membership,
    Organization,
    PolicyVersion,
    RefreshToken,
    Role,
    User,
)
from domain.auth.permissions import BUILTIN_ROLES, OWNER_ROLE, PERMISSIONS
from domain.auth.policies import Authorizer, Decision, domain_of, role_subject
from domain.auth.secrets import (
    DUMMY_PASSWORD_HASH,
    check_password_strength,
    digest_secret,
    digests_equal,
    hash_password,
    new_secret,
    verify_password,
)
from domain.auth.tokens import TokenService
from domain.clock import clock
from domain.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, PermissionDenied
from domain.principal import Principal, PrincipalKind

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$")
ROLE_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{1,62}$")
RESERVED_SLUGS = frozenset(
    {"admin", "api", "graphql", "health", "ready", "metrics", "static", "well-known", "www"}
)
INVITATION_TTL = timedelta(days=7)
API_KEY_PREFIX = "atom"
API_KEY_LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class SessionTokens:
    user: User
    organization: Organization | None
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime


class RefreshTokenReused(AuthenticationFailed):
    """A spent refresh token came back: its family is revoked, and that revocation must persist."""

    keeps_changes = True


# ---------------------------------------------------------------- validation helpers


def normalize_email(email: str, *, field: str = "email") -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput(
            f"Not a valid e-mail address: {exc}", code=Code.INVALID_EMAIL, field=field
        ) from exc


def check_slug(slug: str, *, field: str = "slug") -> str:
    if not SLUG_RE.match(slug) or "--" in slug or slug in RESERVED_SLUGS:
        raise InvalidInput(
            "A slug is 3 to 40 lowercase letters, digits and single hyphens, not reserved.",
            code=Code.INVALID_SLUG,
            field=field,
        )
    return slug


def check_text(value: str, *, field: str, max_length: int, min_length: int = 1) -> str:
    value = value.strip()
    if not (min_length <= len(value) <= max_length):
        raise InvalidInput(
            f"Must be {min_length} to {max_length} characters.", code=Code.INVALID, field=field
        )
    return value


def check_permissions(permissions: Sequence[str], *, field: str) -> frozenset[str]:
    unknown = sorted(set(permissions) - set(PERMISSIONS))
    if unknown:
        raise InvalidInput(
            f"Unknown permissions: {', '.join(unknown)}.", code=Code.UNKNOWN_PERMISSION, field=field
        )
    return frozenset(permissions)


def require_user(principal: Principal) -> uuid.UUID:
    if principal.kind is not PrincipalKind.USER or principal.user_id is None:
        raise PermissionDenied("Only a signed-in user can do this.", code=Code.USER_REQUIRED)
    return principal.user_id


def require_organization(principal: Principal) -> uuid.UUID:
    if principal.organization_id is None:
        raise PermissionDenied("Select an organization first.", code="FORBIDDEN")
    return principal.organization_id


# ---------------------------------------------------------------- sessions


async def _issue_session(
    session: AsyncSession,
    tokens: TokenService,
    *,
    user: User,
    organization: Organization | None,
    family_id: uuid.UUID | None = None,
) -> SessionTokens:
    access, access_expires = await tokens.issue_access_token(
        session, user_id=user.id, organization_id=organization.id if organization else None
    )
    raw_refresh = f"atomr_{new_secret()}"
    refresh_expires = clock.now() + tokens.settings.refresh_token_ttl
    session.add(
        RefreshToken(
            family_id=family_id or uuid.uuid4(),
            user_id=user.id,
            organization_id=organization.id if organization else None,
            token_hash=digest_secret(raw_refresh),
            created_at=clock.now(),
            expires_at=refresh_expires,
        )
    )
    await session.flush()
    return SessionTokens(user, organization, access, access_expires, raw_refresh, refresh_expires)


async def _organization_for_user(
    session: AsyncSession, user: User, organization_slug: str | None
) -> Organization | None:
    if organization_slug is None:
        membership = await repository.first_membership(session, user.id)
        return await session.get(Organization, membership.organization_id) if membership else None
    organization = await repository.get_organization_by_slug(session, organization_slug)
    if (
        organization is None
        or await repository.get_membership(session, organization_id=organization.id, user_id=user.id) is None
    ):
        raise NotFound(
            "No organization with that slug among yours.",
            code=Code.ORGANIZATION_NOT_FOUND,
            field="organizationSlug",
        )
    return organization


async def sign_up(
    session: AsyncSession,
    principal: Principal,
    *,
    tokens: TokenService,
    email: str,
    password: str,
    display_name: str | None = None,
    organization_name: str | None = None,
    organization_slug: str | None = None,
) -> SessionTokens:
    email = normalize_email(email)
    name = check_text(display_name or email.split("@")[0], field="displayName", max_length=120)
    check_password_strength(password, user_inputs=[email, name, email.split("@")[0]])
    if await repository.get_user_by_email(session, email) is not None:
        raise Conflict("An account with this e-mail exists.", code=Code.EMAIL_TAKEN, field="email")
    user = User(email=email, display_name=name, password_hash=hash_password(password), created_at=clock.now())
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent sign-up with the same address
        raise Conflict("An account with this e-mail exists.", code=Code.EMAIL_TAKEN, field="email") from exc
    organization = None
    if organization_name is not None or organization_slug is not None:
        organization = await create_organization_for(
            session,
            owner=user,
            name=organization_name or organization_slug or "",
            slug=organization_slug or _slug_from(organization_name or ""),
        )
    return await _issue_session(session, tokens, user=user, organization=organization)


def _slug_from(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return slug


async def log_in(
    session: AsyncSession,
    principal: Principal,
    *,
    tokens: TokenService,
    email: str,
    password: str,
    organization_slug: str | None = None,
) -> SessionTokens:
    try:
        email = normalize_email(email)
    except InvalidInput:
        email = ""
    user = await repository.get_user_by_email(session, email) if email else None
    # Verify against a dummy hash when there is no such user so that timing does not tell.
    if not verify_password(user.password_hash if user else DUMMY_PASSWORD_HASH, password) or user is None:
        raise InvalidInput("Invalid e-mail or password.", code=Code.INVALID_CREDENTIALS, field="password")
    organization = await _organization_for_user(session, user, organization_slug)
    return await _issue_session(session, tokens, user=user, organization=organization)


async def refresh_session(
    session: AsyncSession,
    principal: Principal,
    *,
    tokens: TokenService,
    refresh_token: str,
    organization_slug: str | None = None,
) -> SessionTokens:
    """Rotate a refresh token. A token used twice revokes its whole family (stolen-token defence)."""
    row = (
        await session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == digest_secret(refresh_token))
        )
    ).scalar_one_or_none()
    now = clock.now()
    if row is None or row.revoked_at is not None:
        raise AuthenticationFailed("The refresh token is not valid.", code=Code.INVALID_REFRESH_TOKEN)
    if row.used_at is not None:
        await _revoke_family(session, row.family_id)
        raise RefreshTokenReused(
            "The refresh token was already used; every session of its family is revoked.",
            code=Code.REFRESH_TOKEN_REUSED,
        )
    if row.expires_at <= now:
        raise AuthenticationFailed("The refresh token has expired.", code=Code.REFRESH_TOKEN_EXPIRED)
    claimed = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        # Lost a race with a concurrent refresh of the same token: treat as reuse.
        await _revoke_family(session, row.family_id)
        raise RefreshTokenReused("The refresh token was already used.", code=Code.REFRESH_TOKEN_REUSED)
    user = await session.get(User, row.user_id)
    if user is None:
        raise AuthenticationFailed("The refresh token is not valid.", code=Code.INVALID_REFRESH_TOKEN)
    if organization_slug is not None:
        organization = await _organization_for_user(session, user, organization_slug)
    elif row.organization_id is not None and await repository.get_membership(
        session, organization_id=row.organization_id, user_id=user.id
    ):
        organization = await session.get(Organization, row.organization_id)
    else:
        organization = await _organization_for_user(session, user, None)
    return await _issue_session(
        session, tokens, user=user, organization=organization, family_id=row.family_id
    )


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )


async def log_out(session: AsyncSession, principal: Principal, *, refresh_token: str) -> None:
    """Revoke the refresh-token family of this session. Access tokens simply run out (minutes)."""
    row = (
        await session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == digest_secret(refresh_token))
        )
    ).scalar_one_or_none()
    if row is None:
        raise AuthenticationFailed("The refresh token is not valid.", code=Code.INVALID_REFRESH_TOKEN)
    await _revoke_family(session, row.family_id)


async def principal_for_access_token(
    session: AsyncSession,
    *,
    tokens: TokenService,
    token: str,
    request_id: str | None,
    client_address: str | None,
) -> Principal:
    claims = await tokens.verify_access_token(session, token)
    user = await session.get(User, claims.user_id)
    if user is None:
        raise AuthenticationFailed("The token's user no longer exists.", reason="INVALID_TOKEN")
    if (
        claims.organization_id is not None
        and await repository.get_membership(
            session, organization_id=claims.organization_id, user_id=claims.user_id
        )
        is None
    ):
        raise AuthenticationFailed(
            "The token's organization is no longer yours.",
            reason="INVALID_ORGANIZATION",
            subject=f"user:{claims.user_id}",
            organization_id=claims.organization_id,
        )
    return Principal(
        PrincipalKind.USER,
        user_id=claims.user_id,
        organization_id=claims.organization_id,
        request_id=request_id,
        client_address=client_address,
    )


async def principal_for_api_key(
    session: AsyncSession, *, presented: str, request_id: str | None, client_address: str | None
) -> Principal:
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        raise AuthenticationFailed("The API key is malformed.", reason="INVALID_API_KEY")
    key = await repository.get_api_key_by_prefix(session, parts[1])
    if key is None or not digests_equal(key.secret_hash, digest_secret(presented)):
        raise AuthenticationFailed("The API key is not valid.", reason="INVALID_API_KEY")
    now = clock.now()
    subject, organization_id = f"apikey:{key.id}", key.organization_id  # named in the audit log
    if key.revoked_at is not None:
        raise AuthenticationFailed(
            "The API key has been revoked.",
            reason="API_KEY_REVOKED",
            subject=subject,
            organization_id=organization_id,
        )
    if key.expires_at is not None and key.expires_at <= now:
        raise AuthenticationFailed(
            "The API key has expired.",
            reason="API_KEY_EXPIRED",
            subject=subject,
            organization_id=organization_id,
        )
    if key.last_used_at is None or now - key.last_used_at >= API_KEY_LAST_USED_GRANULARITY:
        key.last_used_at = now
    return Principal(
        PrincipalKind.API_KEY,
        api_key_id=key.id,
        organization_id=key.organization_id,
        scopes=frozenset(key.scopes),
        request_id=request_id,
        client_address=client_address,
    )


# ---------------------------------------------------------------- organizations and members


async def create_organization_for(
    session: AsyncSession, *, owner: User, name: str, slug: str
) -> Organization:
    name = check_text(name, field="name", max_length=120)
    check_slug(slug)
    if await repository.get_organization_by_slug(session, slug) is not None:
        raise Conflict("That slug is taken.", code=Code.SLUG_TAKEN, field="slug")
    organization = Organization(slug=slug, name=name, created_at=clock.now())
    session.add(organization)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("That slug is taken.", code=Code.SLUG_TAKEN, field="slug") from exc
    session.add(Membership(organization_id=organization.id, user_id=owner.id, created_at=clock.now()))
    await sync_builtin_roles(session, organization.id)
    await policies.add_rules(
        session,
        organization.id,
        [("g", f"user:{owner.id}", role_subject(OWNER_ROLE), domain_of(organization.id), "")],
    )
    await policies.record_version(
        session, organization.id, actor=f"user:{owner.id}", summary="organization created"
    )
    return organization


async def sync_builtin_roles(session: AsyncSession, organization_id: uuid.UUID) -> None:
    """Make the built-in roles and their permissions exactly as the catalogue says (idempotent)."""
    existing = {r.name: r for r in await repository.roles_of_organization(session, organization_id)}
    wanted: list[policies.Rule] = []
    for name, (description, permissions) in BUILTIN_ROLES.items():
        if name not in existing:
            session.add(
                Role(
                    organization_id=organization_id,
                    name=name,
                    description=description,
                    builtin=True,
                    created_at=clock.now(),
                )
            )
        for permission in sorted(permissions):
            resource, action = policies.split_permission(permission)
            wanted.append(("p", role_subject(name), domain_of(organization_id), resource, action))
    stale = [
        (r.ptype, r.v0, r.v1, r.v2, r.v3)
        for r in await repository.policy_rules(session, organization_id)
        if r.ptype == "p"
        and r.v0.removeprefix("role:") in BUILTIN_ROLES
        and (r.ptype, r.v0, r.v1, r.v2, r.v3) not in set(wanted)
    ]
    await policies.remove_rules(session, organization_id, stale)
    await policies.add_rules(session, organization_id, wanted)


async def _operator_organization(session: AsyncSession, principal: Principal, slug: str) -> Organization:
    if principal.kind is not PrincipalKind.SYSTEM:
        raise PermissionDenied("Only the platform operator decides this.", code="FORBIDDEN")
    organization = await repository.get_organization_by_slug(session, slug)
    if organization is None:
        raise NotFound(f"No organization {slug!r}.", code=Code.ORGANIZATION_NOT_FOUND, field="slug")
    return organization


async def set_marketplace_reviewer(
    session: AsyncSession, principal: Principal, *, slug: str, trusted: bool
) -> Organization:
    """Operator action: trust (or stop trusting) an organization's reviewers with public packages."""
    organization = await _operator_organization(session, principal, slug)
    organization.marketplace_reviewer = trusted
    return organization


async def set_platform_operator(
    session: AsyncSession, principal: Principal, *, slug: str, operator: bool
) -> Organization:
    """Operator action: make an organization (un)able to manage the billing catalogue and invoices."""
    organization = await _operator_organization(session, principal, slug)
    organization.platform_operator = operator
    return organization


async def create_organization(
    session: AsyncSession, principal: Principal, *, name: str, slug: str
) -> Organization:
    user_id = require_user(principal)
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return await create_organization_for(session, owner=user, name=name, slug=slug)


async def _role_or_error(session: AsyncSession, organization_id: uuid.UUID, name: str, *, field: str) -> Role:
    role = await repository.get_role(session, organization_id, name)
    if role is None:
        raise NotFound(f"No role named {name!r}.", code=Code.ROLE_NOT_FOUND, field=field)
    return role


async def _permissions_of_role(authorizer: Authorizer, organization_id: uuid.UUID, role: str) -> set[str]:
    return await authorizer.permissions_of(organization_id, role_subject(role))


async def check_no_escalation(
    authorizer: Authorizer, principal: Principal, granted: set[str] | frozenset[str], *, field: str
) -> None:
    """Nobody hands out a permission they do not hold themselves."""
    if principal.kind is PrincipalKind.SYSTEM:
        return
    require_organization(principal)
    own = await authorizer.permissions_of_principal(principal)
    missing = sorted(set(granted) - own)
    if missing:
        raise PermissionDenied(
            f"You cannot grant permissions you do not hold: {', '.join(missing)}.",
            code=Code.PERMISSION_ESCALATION,
            field=field,
        )


async def invite_member(
    session: AsyncSession, principal: Principal, *, authorizer: Authorizer, email: str, role: str
) -> tuple[Invitation, str]:
    organization_id = require_organization(principal)
    email = normalize_email(email)
    await _role_or_error(session, organization_id, role, field="role")
    await check_no_escalation(
        authorizer, principal, await _permissions_of_role(authorizer, organization_id, role), field="role"
    )
    existing_user = await repository.get_user_by_email(session, email)
    if existing_user and await repository.get_membership(
        session, organization_id=organization_id, user_id=existing_user.id
    ):
        raise Conflict("That person is already a member.", code=Code.ALREADY_MEMBER, field="email")
    now = clock.now()
    await session.execute(
        update(Invitation)
        .where(
            Invitation.organization_id == organization_id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    token = f"atomi_{new_secret()}"
    invitation = Invitation(
        organization_id=organization_id,
        email=email,
        role=role,
        token_hash=digest_secret(token),
        invited_by_user_id=principal.user_id,
        created_at=now,
        expires_at=now + INVITATION_TTL,
    )
    session.add(invitation)
    await session.flush()
    return invitation, token


async def accept_invitation(
    session: AsyncSession, principal: Principal, *, authorizer: Authorizer, token: str
) -> Membership:
    user_id = require_user(principal)
    user = await session.get(User, user_id)
    invitation = (
        await session.execute(select(Invitation).where(Invitation.token_hash == digest_secret(token)))
    ).scalar_one_or_none()
    now = clock.now()
    if (
        user is None
        or invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= now
        or invitation.email != user.email
    ):
        raise InvalidInput(
            "The invitation is not valid for you.", code=Code.INVALID_INVITATION, field="token"
        )
    if await repository.get_membership(session, organization_id=invitation.organization_id, user_id=user_id):
        raise Conflict("You are already a member.", code=Code.ALREADY_MEMBER, field="token")
    invitation.accepted_at = now
    membership = Membership(organization_id=invitation.organization_id, user_id=user_id, created_at=now)
    session.add(membership)
    await policies.lock_organization(session, invitation.organization_id)
    if await repository.get_role(session, invitation.organization_id, invitation.role) is None:
        raise InvalidInput(
            "The invitation's role no longer exists.", code=Code.INVALID_INVITATION, field="token"
        )
    await policies.add_rules(
        session,
        invitation.organization_id,
        [("g", f"user:{user_id}", role_subject(invitation.role), domain_of(invitation.organization_id), "")],
    )
    await policies.record_version(
        session, invitation.organization_id, actor=f"user:{user_id}", summary=f"joined as {invitation.role}"
    )
    authorizer.forget(invitation.organization_id)
    return membership


async def _owners(session: AsyncSession, organization_id: uuid.UUID) -> set[str]:
    rules = await repository.policy_rules(session, organization_id)
    return {
        r.v0
        for r in rules
        if r.ptype == "g" and r.v1 == role_subject(OWNER_ROLE) and r.v0.startswith("user:")
    }


async def remove_member(
    session: AsyncSession, principal: Principal, *, authorizer: Authorizer, membership_id: uuid.UUID
) -> Membership:
    organization_id = require_organization(principal)
    membership = (
        await session.execute(
            repository.memberships_in_scope(principal).where(
                Membership.id == membership_id, Membership.organization_id == organization_id
            )
        )
    ).scalar_one_or_none()
    if membership is None:
        raise NotFound("No such member.", code=Code.NOT_FOUND, field="membershipId")
    await policies.lock_organization(session, organization_id)
    subject = f"user:{membership.user_id}"
    owners = await _owners(session, organization_id)
    if subject in owners:
        await check_no_escalation(authorizer, principal, BUILTIN_ROLES[OWNER_ROLE][1], field="membershipId")
        if len(owners) == 1:
            raise Conflict("The last owner cannot be removed.", code=Code.LAST_OWNER, field="membershipId")
    await policies.remove_subject(session, organization_id, subject)
    await session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.user_id == membership.user_id,
            RefreshToken.organization_id == organization_id,
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    await session.delete(membership)
    await policies.record_version(
        session, organization_id, actor=principal.subject, summary=f"removed {subject}"
    )
    authorizer.forget(organization_id)
    return membership


# ---------------------------------------------------------------- API keys


async def create_api_key(
    session: AsyncSession,
    principal: Principal,
    *,
    authorizer: Authorizer,
    name: str,
    scopes: Sequence[str],
    roles: Sequence[str],
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key. Its secret is returned once and only its SHA-256 is kept."""
    organization_id = require_organization(principal)
    name = check_text(name, field="name", max_length=120)
    wanted_scopes = check_permissions(scopes, field="scopes")
    if not wanted_scopes:
        raise InvalidInput("Give the key at least one scope.", code=Code.INVALID, field="scopes")
    if not roles:
        raise InvalidInput("Give the key at least one role.", code=Code.ROLE_NOT_FOUND, field="roles")
    granted: set[str] = set()
    for role in roles:
        await _role_or_error(session, organization_id, role, field="roles")
        granted |= await _permissions_of_role(authorizer, organization_id, role)
    await check_no_escalation(authorizer, principal, granted & wanted_scopes, field="scopes")
    if expires_at is not None and expires_at <= clock.now():
        raise InvalidInput("The expiry must be in the future.", code=Code.INVALID_EXPIRY, field="expiresAt")
    prefix = pysecrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}_{prefix}_{new_secret()}"
    key = ApiKey(
        organization_id=organization_id,
        name=name,
        prefix=prefix,
        secret_hash=digest_secret(secret),
        scopes=sorted(wanted_scopes),
        created_by_user_id=principal.user_id,
        created_at=clock.now(),
        expires_at=expires_at,
    )
    session.add(key)
    await session.flush()
    await policies.lock_organization(session, organization_id)
    await policies.add_rules(
        session,
        organization_id,
        [("g", f"apikey:{key.id}", role_subject(r), domain_of(organization_id), "") for r in roles],
    )
    await policies.record_version(
        session, organization_id, actor=principal.subject, summary=f"api key {key.prefix}"
    )
    authorizer.forget(organization_id)
    return key, secret


async def revoke_api_key(
    session: AsyncSession, principal: Principal, *, authorizer: Authorizer, api_key_id: uuid.UUID
) -> ApiKey:
    key = (
        await session.execute(repository.tenant_scoped(ApiKey, principal).where(ApiKey.id == api_key_id))
    ).scalar_one_or_none()
    if key is None:
        raise NotFound("No such API key.", code=Code.NOT_FOUND, field="apiKeyId")
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        await policies.lock_organization(session, key.organization_id)
        await policies.remove_subject(session, key.organization_id, f"apikey:{key.id}")
        await policies.record_version(
            session, key.organization_id, actor=principal.subject, summary=f"revoked api key {key.prefix}"
        )
        authorizer.forget(key.organization_id)
    return key


# ---------------------------------------------------------------- roles and policies


async def create_role(
    session: AsyncSession,
    principal: Principal,
    *,
    authorizer: Authorizer,
    name: str,
    description: str,
    permissions: Sequence[str],
) -> Role:
    organization_id = require_organization(principal)
    if not ROLE_NAME_RE.match(name):
        raise InvalidInput(
            "A role name is 2 to 63 lowercase letters, digits, '-' or '_', starting with a letter.",
            code=Code.INVALID_ROLE_NAME,
            field="name",
        )
    perms = check_permissions(permissions, field="permissions")
    await check_no_escalation(authorizer, principal, perms, field="permissions")
    await policies.lock_organization(session, organization_id)
    if await repository.get_role(session, organization_id, name) is not None:
        raise Conflict("A role with that name exists.", code=Code.ROLE_EXISTS, field="name")
    role = Role(
        organization_id=organization_id,
        name=name,
        description=check_text(description, field="description", max_length=500, min_length=0),
        builtin=False,
        created_at=clock.now(),
    )
    session.add(role)
    await session.flush()
    await policies.add_rules(
        session, organization_id, [_p_rule(organization_id, name, p) for p in sorted(perms)]
    )
    await policies.record_version(
        session, organization_id, actor=principal.subject, summary=f"created role {name}"
    )
    authorizer.forget(organization_id)
    return role


def _p_rule(organization_id: uuid.UUID, role: str, permission: str) -> policies.Rule:
    resource, action = policies.split_permission(permission)
    return ("p", role_subject(role), domain_of(organization_id), resource, action)


async def set_role_permission(
    session: AsyncSession,
    principal: Principal,
    *,
    authorizer: Authorizer,
    role: str,
    permission: str,
    granted: bool,
) -> Role:
    organization_id = require_organization(principal)
    row = await _role_or_error(session, organization_id, role, field="role")
    if row.builtin:
        raise InvalidInput("Built-in roles cannot be changed.", code=Code.ROLE_IMMUTABLE, field="role")
    check_permissions([permission], field="permission")
    await check_no_escalation(authorizer, principal, {permission}, field="permission")
    await policies.lock_organization(session, organization_id)
    rule = _p_rule(organization_id, role, permission)
    if granted:
        await policies.add_rules(session, organization_id, [rule])
    else:
        await policies.remove_rules(session, organization_id, [rule])
    verb = "granted" if granted else "revoked"
    await policies.record_version(
        session, organization_id, actor=principal.subject, summary=f"{verb} {permission} on {role}"
    )
    authorizer.forget(organization_id)
    return row


@dataclass(frozen=True, slots=True)
class SubjectRef:
    """A member or API key of the caller's organization, as named through GraphQL."""

    kind: str  # "Membership" | "ApiKey" | "User"
    id: uuid.UUID


async def resolve_subject(session: AsyncSession, principal: Principal, ref: SubjectRef, *, field: str) -> str:
    organization_id = require_organization(principal)
    if ref.kind == "ApiKey":
        key = (
            await session.execute(repository.tenant_scoped(ApiKey, principal).where(ApiKey.id == ref.id))
        ).scalar_one_or_none()
        if key is not None and key.revoked_at is None:
            return f"apikey:{key.id}"
    elif ref.kind in ("Membership", "User"):
        column = Membership.id if ref.kind == "Membership" else Membership.user_id
        membership = (
            await session.execute(
                select(Membership).where(column == ref.id, Membership.organization_id == organization_id)
            )
        ).scalar_one_or_none()
        if membership is not None:
            return f"user:{membership.user_id}"
    raise NotFound("No such member or API key in this organization.", code=Code.NOT_FOUND, field=field)


async def set_role_assignment(
    session: AsyncSession,
    principal: Principal,
    *,
    authorizer: Authorizer,
    subject: SubjectRef,
    role: str,
    assigned: bool,
) -> str:
    organization_id = require_organization(principal)
    subject_name = await resolve_subject(session, principal, subject, field="subjectId")
    await _role_or_error(session, organization_id, role, field="role")
    await check_no_escalation(
        authorizer, principal, await _permissions_of_role(authorizer, organization_id, role), field="role"
    )
    await policies.lock_organization(session, organization_id)
    rule: policies.Rule = ("g", subject_name, role_subject(role), domain_of(organization_id), "")
    if assigned:
        await policies.add_rules(session, organization_id, [rule])
    else:
        if role == OWNER_ROLE and await _owners(session, organization_id) == {subject_name}:
            raise Conflict("The last owner cannot lose the owner role.", code=Code.LAST_OWNER, field="role")
        await policies.remove_rules(session, organization_id, [rule])
    verb = "assigned" if assigned else "unassigned"
    await policies.record_version(
        session, organization_id, actor=principal.subject, summary=f"{verb} {role} to {subject_name}"
    )
    authorizer.forget(organization_id)
    return subject_name


async def authorize(
    session: AsyncSession,
    principal: Principal,
    *,
    authorizer: Authorizer,
    subject: SubjectRef,
    permission: str,
) -> Decision:
    """The policy tester: would `subject` be allowed `permission` here, and by which rule?"""
    organization_id = require_organization(principal)
    subject_name = await resolve_subject(session, principal, subject, field="subjectId")
    check_permissions([permission], field="permission")
    decision = await authorizer.decide_for_subject(organization_id, subject_name, permission)
    if decision.allowed and subject_name.startswith("apikey:"):
        key = await session.get(ApiKey, uuid.UUID(subject_name.removeprefix("apikey:")))
        if key is not None and permission not in key.scopes:
            return Decision(
                False,
                permission,
                None,
                "The API key's scopes do not include this permission.",
                decision.policy_version,
            )
    return decision


async def policy_version(
    session: AsyncSession, principal: Principal, *, number: int, field: str
) -> PolicyVersion:
    row = (
        await session.execute(
            repository.tenant_scoped(PolicyVersion, principal).where(PolicyVersion.number == number)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No policy version {number}.", code=Code.POLICY_VERSION_NOT_FOUND, field=field)
    return row


async def policy_diff(
    session: AsyncSession, principal: Principal, *, from_version: int, to_version: int
) -> tuple[PolicyVersion, PolicyVersion, list[list[str]], list[list[str]]]:
    older = await policy_version(session, principal, number=from_version, field="from")
    newer = await policy_version(session, principal, number=to_version, field="to")
    added, removed = policies.diff_versions(older, newer)
    return older, newer, added, removed
