"""SQL of the auth area. Tenant data is only ever reached through the scoped builders here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import Select, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.models import (
    ApiKey,
    Invitation,
    Membership,
    Organization,
    PolicyRule,
    PolicyVersion,
    Role,
    SigningKey,
    TrustedIssuer,
    User,
)
from domain.principal import Principal, PrincipalKind


def organizations_visible_to(principal: Principal) -> Select[Organization]:
    """Organizations the caller belongs to (users: memberships; API keys and federated tokens: their
    own organization)."""
    stmt = select(Organization)
    if principal.kind is PrincipalKind.USER:
        return stmt.where(
            Organization.id.in_(
                select(Membership.organization_id).where(Membership.user_id == principal.user_id)
            )
        )
    if principal.kind in (PrincipalKind.API_KEY, PrincipalKind.FEDERATED):
        return stmt.where(Organization.id == principal.organization_id)
    if principal.kind is PrincipalKind.SYSTEM:
        return stmt
    return stmt.where(false())


def users_visible_to(principal: Principal) -> Select[User]:
    """Users the caller may see: itself, and members of the organization it is acting for."""
    stmt = select(User)
    if principal.kind is PrincipalKind.SYSTEM:
        return stmt
    conditions = []
    if principal.user_id is not None:
        conditions.append(User.id == principal.user_id)
    if principal.organization_id is not None:
        conditions.append(
            User.id.in_(
                select(Membership.user_id).where(Membership.organization_id == principal.organization_id)
            )
        )
    if not conditions:
        return stmt.where(false())
    return stmt.where(or_(*conditions))


def memberships_in_scope(principal: Principal) -> Select[Membership]:
    """Memberships of the organization the caller acts for, plus the caller's own (for `viewer`)."""
    stmt = select(Membership)
    if principal.kind is PrincipalKind.SYSTEM:
        return stmt
    conditions = []
    if principal.organization_id is not None:
        conditions.append(Membership.organization_id == principal.organization_id)
    if principal.user_id is not None and not principal.confined:
        conditions.append(Membership.user_id == principal.user_id)
    return stmt.where(or_(*conditions)) if conditions else stmt.where(false())


TenantModel = TypeVar("TenantModel", ApiKey, Invitation, Role, PolicyVersion, TrustedIssuer)


def tenant_scoped(model: type[TenantModel], principal: Principal) -> Select[TenantModel]:
    """Rows of a tenant-owned model that belong to the organization the caller acts for."""
    stmt = select(model)
    if principal.kind is PrincipalKind.SYSTEM and principal.organization_id is None:
        return stmt
    if principal.organization_id is None:
        return stmt.where(false())
    return stmt.where(model.organization_id == principal.organization_id)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()


async def get_organization_by_slug(session: AsyncSession, slug: str) -> Organization | None:
    return (await session.execute(select(Organization).where(Organization.slug == slug))).scalar_one_or_none()


async def get_membership(
    session: AsyncSession, *, organization_id: uuid.UUID, user_id: uuid.UUID
) -> Membership | None:
    stmt = select(Membership).where(
        Membership.organization_id == organization_id, Membership.user_id == user_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def first_membership(session: AsyncSession, user_id: uuid.UUID) -> Membership | None:
    stmt = select(Membership).where(Membership.user_id == user_id).order_by(Membership.id).limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_api_key_by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    return (await session.execute(select(ApiKey).where(ApiKey.prefix == prefix))).scalar_one_or_none()


async def policy_rules(session: AsyncSession, organization_id: uuid.UUID) -> Sequence[PolicyRule]:
    stmt = (
        select(PolicyRule)
        .where(PolicyRule.organization_id == organization_id)
        .order_by(PolicyRule.ptype, PolicyRule.v0, PolicyRule.v1, PolicyRule.v2, PolicyRule.v3)
    )
    return (await session.execute(stmt)).scalars().all()


async def latest_policy_version(session: AsyncSession, organization_id: uuid.UUID) -> PolicyVersion | None:
    stmt = (
        select(PolicyVersion)
        .where(PolicyVersion.organization_id == organization_id)
        .order_by(PolicyVersion.number.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def roles_of_organization(session: AsyncSession, organization_id: uuid.UUID) -> Sequence[Role]:
    stmt = (
        select(Role).where(Role.organization_id == organization_id).order_by(Role.builtin.desc(), Role.name)
    )
    return (await session.execute(stmt)).scalars().all()


async def get_role(session: AsyncSession, organization_id: uuid.UUID, name: str) -> Role | None:
    stmt = select(Role).where(Role.organization_id == organization_id, Role.name == name)
    return (await session.execute(stmt)).scalar_one_or_none()


async def signing_keys_unretired(session: AsyncSession) -> Sequence[SigningKey]:
    stmt = select(SigningKey).where(SigningKey.retired_at.is_(None)).order_by(SigningKey.created_at.desc())
    return (await session.execute(stmt)).scalars().all()


async def trusts_of_issuer(
    session: AsyncSession, issuer: str, *, organization_slug: str | None, limit: int
) -> Sequence[TrustedIssuer]:
    """The trusts of `iss` (of the organization named by slug, if given): authenticating a token
    is the one read of trusted issuers across organizations."""
    stmt = select(TrustedIssuer).where(TrustedIssuer.issuer == issuer)
    if organization_slug is not None:
        stmt = stmt.join(Organization, Organization.id == TrustedIssuer.organization_id).where(
            Organization.slug == organization_slug
        )
    return (await session.execute(stmt.order_by(TrustedIssuer.id).limit(limit))).scalars().all()


async def member_by_email(session: AsyncSession, organization_id: uuid.UUID, email: str) -> uuid.UUID | None:
    """The member of the organization with this (normalized) e-mail address."""
    stmt = (
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id, User.email == email)
    )
    return (await session.execute(stmt)).scalar_one_or_none()
