"""SQL of the marketplace. What a caller may see is decided here, in the select builders."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, Subquery, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.models import Organization
from domain.marketplace.models import (
    Install,
    Package,
    PackageVersion,
    Publisher,
    SigningIdentity,
    VersionStatus,
    Visibility,
)
from domain.principal import Principal, PrincipalKind

LISTED = (VersionStatus.PUBLISHED, VersionStatus.YANKED, VersionStatus.REVOKED)
UNDER_REVIEW = (VersionStatus.SUBMITTED, VersionStatus.IN_REVIEW)


def _is_platform_reviewer(principal: Principal) -> Select[bool]:
    return select(Organization.marketplace_reviewer).where(Organization.id == principal.organization_id)


def packages_visible_to(principal: Principal) -> Select[Package]:
    """Public packages with a published version, and every package of the caller's organization."""
    has_published = exists().where(
        PackageVersion.package_id == Package.id, PackageVersion.status == VersionStatus.PUBLISHED
    )
    public = (Package.visibility == Visibility.PUBLIC) & has_published
    if principal.kind is PrincipalKind.SYSTEM:
        return select(Package)
    if principal.organization_id is None:
        return select(Package).where(public)
    under_review = (
        (Package.visibility == Visibility.PUBLIC)
        & exists().where(PackageVersion.package_id == Package.id, PackageVersion.status.in_(UNDER_REVIEW))
        & _is_platform_reviewer(principal).scalar_subquery()
    )
    # An installed package stays visible to its installer even when its versions are yanked.
    installed = Package.id.in_(
        select(Install.package_id).where(Install.organization_id == principal.organization_id)
    )
    return select(Package).where(
        or_(public, Package.organization_id == principal.organization_id, under_review, installed)
    )


def versions_visible_to(principal: Principal) -> Select[PackageVersion]:
    """Listed versions of visible public packages, every version of one's own packages, and public
    versions under review for a trusted reviewer organization."""
    if principal.kind is PrincipalKind.SYSTEM:
        return select(PackageVersion)
    public_package = select(Package.id).where(Package.visibility == Visibility.PUBLIC)
    conditions: list[ColumnElement[bool]] = [
        PackageVersion.status.in_(LISTED) & PackageVersion.package_id.in_(public_package)
    ]
    if principal.organization_id is not None:
        conditions.append(PackageVersion.organization_id == principal.organization_id)
        conditions.append(
            PackageVersion.status.in_((*UNDER_REVIEW, VersionStatus.REJECTED))
            & PackageVersion.package_id.in_(public_package)
            & _is_platform_reviewer(principal).scalar_subquery()
        )
    return select(PackageVersion).where(or_(*conditions))


def own(
    model: type[Publisher] | type[SigningIdentity] | type[Install], principal: Principal
) -> Select[object]:
    stmt: Select[object] = select(model)  # type: ignore[arg-type]
    if principal.organization_id is None:
        return stmt.where(false())
    return stmt.where(model.organization_id == principal.organization_id)


async def publisher_of(session: AsyncSession, organization_id: uuid.UUID | None) -> Publisher | None:
    if organization_id is None:
        return None
    stmt = select(Publisher).where(Publisher.organization_id == organization_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def identities_of(session: AsyncSession, publisher_id: uuid.UUID) -> Sequence[SigningIdentity]:
    stmt = (
        select(SigningIdentity)
        .where(SigningIdentity.publisher_id == publisher_id)
        .order_by(SigningIdentity.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def is_platform_reviewer(session: AsyncSession, organization_id: uuid.UUID | None) -> bool:
    if organization_id is None:
        return False
    return bool(
        await session.scalar(
            select(Organization.marketplace_reviewer).where(Organization.id == organization_id)
        )
    )


def latest_published_versions() -> Subquery:
    """(id, package_id, risk_level) of each package's newest published version, by semver."""
    ranked = (
        select(
            PackageVersion.id,
            PackageVersion.package_id,
            PackageVersion.risk_level,
            func.row_number()
            .over(partition_by=PackageVersion.package_id, order_by=PackageVersion.sort_key.desc())
            .label("rank"),
        )
        .where(PackageVersion.status == VersionStatus.PUBLISHED)
        .subquery()
    )
    return select(ranked.c.id, ranked.c.package_id, ranked.c.risk_level).where(ranked.c.rank == 1).subquery()


async def latest_published(session: AsyncSession, package_id: uuid.UUID) -> PackageVersion | None:
    stmt = (
        select(PackageVersion)
        .where(PackageVersion.package_id == package_id, PackageVersion.status == VersionStatus.PUBLISHED)
        .order_by(PackageVersion.sort_key.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def active_install(
    session: AsyncSession, organization_id: uuid.UUID, package_id: uuid.UUID
) -> Install | None:
    stmt = select(Install).where(
        Install.organization_id == organization_id, Install.package_id == package_id, Install.active.is_(True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()
