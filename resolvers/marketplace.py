"""Resolvers of the marketplace: GraphQL arguments in, domain calls, domain objects or Outcomes out."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, func, literal, or_, select

from domain.clock import clock
from domain.marketplace import repository, service
from domain.marketplace.links import DownloadGrant, sign_download
from domain.marketplace.models import (
    Install,
    Package,
    PackageVersion,
    PricingModel,
    Publisher,
    SigningIdentity,
    Upload,
    UploadStatus,
    Visibility,
)
from domain.marketplace.service import SignatureInput
from domain.pagination import Page, PageRequest
from resolvers.auth import paginated
from resolvers.context import Context
from resolvers.errors import bad_user_input
from resolvers.ids import id_or_not_found
from resolvers.mutations import Outcome, run_mutation

# ---------------------------------------------------------------- catalog


@dataclass(frozen=True, slots=True)
class CatalogFilter:
    query: str | None = None
    tags: Sequence[str] = ()
    publisher: str | None = None
    pricing: PricingModel | None = None
    risk_levels: Sequence[str] = ()
    verified_only: bool = False


SORTS = ("RELEVANCE", "NEWEST", "MOST_INSTALLED")


async def search_packages(
    context: Context, filters: CatalogFilter, sort: str, first: int | None, after: int
) -> tuple[Sequence[Package], bool, int]:
    """A page of the catalog by offset (the sort keys are not unique), with whether more follow."""
    limit = context.runtime.max_page_size
    first = 20 if first is None else first
    if first < 0 or first > limit:
        raise bad_user_input(f"`first` must be between 0 and {limit}.", "first")
    stmt: Select[Package] = repository.packages_visible_to(context.principal)
    terms = [t for t in (filters.query or "").lower().split() if t][:8]
    for term in terms:
        stmt = stmt.where(Package.search_text.contains(term, autoescape=True))
    for tag in filters.tags:
        stmt = stmt.where(Package.search_text.contains(tag.lower(), autoescape=True))
    if filters.publisher:
        stmt = stmt.where(Package.full_name.startswith(f"{filters.publisher.lower()}/", autoescape=True))
    if filters.pricing is not None:
        stmt = stmt.where(Package.pricing_model == filters.pricing)
    if filters.risk_levels or filters.verified_only:
        latest = repository.latest_published_versions()
        if filters.risk_levels:
            stmt = stmt.where(
                Package.id.in_(
                    select(latest.c.package_id).where(latest.c.risk_level.in_(filters.risk_levels))
                )
            )
        if filters.verified_only:
            stmt = stmt.where(Package.id.in_(select(latest.c.package_id)))
    total = await context.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    if sort == "NEWEST":
        stmt = stmt.order_by(Package.updated_at.desc(), Package.id.desc())
    elif sort == "MOST_INSTALLED":
        stmt = stmt.order_by(Package.install_count.desc(), Package.id.desc())
    else:
        relevance = sum(
            (case((Package.full_name.contains(t, autoescape=True), 3), else_=0) for t in terms),
            start=literal(0),
        )
        stmt = stmt.order_by(relevance.desc(), Package.install_count.desc(), Package.id.desc())
    rows = (await context.session.execute(stmt.offset(after).limit(first + 1))).scalars().all()
    return rows[:first], len(rows) > first, int(total or 0)


async def package_by_name(context: Context, full_name: str) -> Package | None:
    stmt = repository.packages_visible_to(context.principal).where(Package.full_name == full_name.lower())
    return (await context.session.execute(stmt)).scalar_one_or_none()


async def versions_of(context: Context, package_id: uuid.UUID, request: PageRequest) -> Page[PackageVersion]:
    stmt = repository.versions_visible_to(context.principal).where(PackageVersion.package_id == package_id)
    return await paginated(context, stmt, PackageVersion.id, request)


async def review_queue(context: Context, request: PageRequest) -> Page[PackageVersion]:
    stmt = repository.versions_visible_to(context.principal).where(
        PackageVersion.status.in_(repository.UNDER_REVIEW)
    )
    own_org = context.principal.organization_id
    if await repository.is_platform_reviewer(context.session, own_org):
        # Public packages of other organizations, and private ones of one's own.
        stmt = stmt.where(
            or_(
                PackageVersion.organization_id != own_org,
                PackageVersion.package_id.in_(
                    select(Package.id).where(Package.visibility == Visibility.PRIVATE)
                ),
            )
        )
    else:
        stmt = stmt.where(
            PackageVersion.package_id.in_(
                select(Package.id).where(
                    Package.visibility == Visibility.PRIVATE, Package.organization_id == own_org
                )
            )
        )
    return await paginated(context, stmt, PackageVersion.id, request)


async def own_publisher(context: Context) -> Publisher | None:
    return await repository.publisher_of(context.session, context.principal.organization_id)


async def installs(context: Context) -> Sequence[Install]:
    if context.principal.organization_id is None:
        return []
    stmt = select(Install).where(
        Install.organization_id == context.principal.organization_id, Install.active.is_(True)
    )
    return (await context.session.execute(stmt.order_by(Install.id))).scalars().all()


# ---------------------------------------------------------------- mutations


async def become_publisher(context: Context, *, namespace: str, display_name: str) -> Outcome[Publisher]:
    return await run_mutation(
        context,
        lambda: service.become_publisher(
            context.session, context.principal, namespace=namespace, display_name=display_name
        ),
    )


async def register_sigstore_identity(
    context: Context, *, name: str, issuer: str, identity: str
) -> Outcome[SigningIdentity]:
    return await run_mutation(
        context,
        lambda: service.register_sigstore_identity(
            context.session, context.principal, name=name, issuer=issuer, identity=identity
        ),
    )


async def register_public_key(context: Context, *, name: str, public_key: str) -> Outcome[SigningIdentity]:
    return await run_mutation(
        context,
        lambda: service.register_public_key(
            context.session, context.principal, name=name, public_key_pem=public_key
        ),
    )


async def revoke_identity(context: Context, *, identity_id: str, reason: str) -> Outcome[SigningIdentity]:
    async def work() -> SigningIdentity:
        return await service.revoke_identity(
            context.session,
            context.principal,
            identity_id=id_or_not_found(identity_id, "SigningIdentity", "identityId"),
            reason=reason,
        )

    return await run_mutation(context, work)


@dataclass(frozen=True, slots=True)
class PackageInput:
    name: str
    title: str
    description: str
    tags: list[str]
    categories: list[str]
    visibility: Visibility
    license: str | None
    homepage: str | None
    pricing_model: PricingModel
    price_amount: int
    price_currency: str | None


async def create_package(context: Context, data: PackageInput) -> Outcome[Package]:
    return await run_mutation(
        context,
        lambda: service.create_package(
            context.session,
            context.principal,
            name=data.name,
            title=data.title,
            description=data.description,
            tags=data.tags,
            categories=data.categories,
            visibility=data.visibility,
            license=data.license,
            homepage=data.homepage,
            pricing_model=data.pricing_model,
            price_amount=data.price_amount,
            price_currency=data.price_currency,
        ),
    )


@dataclass(frozen=True, slots=True)
class UploadTicket:
    upload: Upload
    url: str
    expires_at: datetime


async def create_upload(context: Context, *, filename: str) -> Outcome[UploadTicket]:
    market = context.runtime.marketplace

    async def work() -> UploadTicket:
        upload, token = await service.create_upload(
            context.session, context.principal, filename=filename, max_bytes=market.max_upload_bytes
        )
        presigned = await market.storage.presigned_put_url(upload.storage_key, expires=service.UPLOAD_TTL)
        url = presigned or f"{market.public_url}/uploads/{upload.id}?token={token}"
        return UploadTicket(upload, url, upload.expires_at)

    return await run_mutation(context, work)


async def publish_version(
    context: Context,
    *,
    package_id: str,
    upload_id: str,
    sigstore_bundle: str | None,
    key_signature: str | None,
) -> Outcome[PackageVersion]:
    market = context.runtime.marketplace

    async def work() -> PackageVersion:
        return await service.publish_version(
            context.session,
            context.principal,
            storage=market.storage,
            config=market.publish,
            package_id=id_or_not_found(package_id, "Package", "packageId"),
            upload_id=id_or_not_found(upload_id, "Upload", "uploadId"),
            signature=SignatureInput(sigstore_bundle=sigstore_bundle, key_signature=key_signature),
        )

    return await run_mutation(context, work)


async def publish_version_upload(
    context: Context,
    *,
    package_id: str,
    filename: str,
    read: Callable[[int], Awaitable[bytes]],
    sigstore_bundle: str | None,
    key_signature: str | None,
) -> Outcome[PackageVersion]:
    """The multipart path: the file part is streamed into storage, then the same pipeline runs."""
    market = context.runtime.marketplace

    async def work() -> PackageVersion:
        upload, _token = await service.create_upload(
            context.session, context.principal, filename=filename, max_bytes=market.max_upload_bytes
        )

        async def chunks() -> AsyncIterator[bytes]:
            while chunk := await read(1 << 20):
                yield chunk

        stored = await market.storage.put_stream(upload.storage_key, chunks(), max_bytes=upload.max_bytes)
        upload.status, upload.size, upload.sha256 = UploadStatus.RECEIVED, stored.size, stored.sha256
        return await service.publish_version(
            context.session,
            context.principal,
            storage=market.storage,
            config=market.publish,
            package_id=id_or_not_found(package_id, "Package", "packageId"),
            upload_id=upload.id,
            signature=SignatureInput(sigstore_bundle=sigstore_bundle, key_signature=key_signature),
        )

    return await run_mutation(context, work)


async def review_step(
    context: Context, action: str, *, version_id: str, reason: str | None
) -> Outcome[PackageVersion]:
    async def work() -> PackageVersion:
        vid = id_or_not_found(version_id, "PackageVersion", "versionId")
        session, principal = context.session, context.principal
        if action == "start":
            return await service.start_review(session, principal, version_id=vid)
        if action == "approve":
            return await service.approve_version(session, principal, version_id=vid, reason=reason)
        if action == "reject":
            return await service.reject_version(session, principal, version_id=vid, reason=reason or "")
        if action == "yank":
            return await service.yank_version(session, principal, version_id=vid, reason=reason or "")
        return await service.revoke_version(session, principal, version_id=vid, reason=reason or "")

    return await run_mutation(context, work)


async def install_package(context: Context, *, package_id: str, version_id: str | None) -> Outcome[Install]:
    async def work() -> Install:
        return await service.install_package(
            context.session,
            context.principal,
            package_id=id_or_not_found(package_id, "Package", "packageId"),
            version_id=id_or_not_found(version_id, "PackageVersion", "versionId") if version_id else None,
            publisher_share_bps=context.runtime.billing.publisher_share_bps,
        )

    return await run_mutation(context, work)


async def uninstall_package(context: Context, *, package_id: str) -> Outcome[Install]:
    async def work() -> Install:
        return await service.uninstall_package(
            context.session, context.principal, package_id=id_or_not_found(package_id, "Package", "packageId")
        )

    return await run_mutation(context, work)


@dataclass(frozen=True, slots=True)
class DownloadLink:
    url: str
    sha256: str
    size: int
    filename: str
    expires_at: datetime


async def create_download(context: Context, *, version_id: str) -> Outcome[DownloadLink]:
    market = context.runtime.marketplace

    async def work() -> DownloadLink:
        grant = await service.download(
            context.session,
            context.principal,
            version_id=id_or_not_found(version_id, "PackageVersion", "versionId"),
        )
        presigned = await market.storage.presigned_get_url(
            grant.storage_key, expires=market.link_lifetime, filename=grant.filename
        )
        if presigned is not None:
            return DownloadLink(
                presigned, grant.sha256, grant.size, grant.filename, clock.now() + market.link_lifetime
            )
        token, expires_at = sign_download(
            market.download_secret,
            DownloadGrant(grant.storage_key, grant.sha256, grant.filename),
            market.link_lifetime,
        )
        return DownloadLink(
            f"{market.public_url}/artifacts/{token}", grant.sha256, grant.size, grant.filename, expires_at
        )

    return await run_mutation(context, work)
