"""Marketplace services: publishers and signing identities, packages, uploads, the publish pipeline,
the review state machine, installs and downloads.

The promise: no unsigned or unreviewed package is ever published, and what a tenant downloads is
byte for byte what the publisher signed. So a version exists only after its artifact's sha256 was
computed from the stored bytes and a signature over that digest verified against one of the
publisher's registered identities; it is listed only after review.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import semver
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.secrets import digest_secret, new_secret
from domain.billing import service as billing
from domain.clock import clock
from domain.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from domain.events.bus import record
from domain.marketplace import repository
from domain.marketplace.analysis import RuleSet, analyze
from domain.marketplace.archive import ArchiveLimits, open_archive
from domain.marketplace.errors import MarketplaceErrorCode as Code
from domain.marketplace.manifest import load_manifest
from domain.marketplace.models import (
    IdentityKind,
    Install,
    Package,
    PackageVersion,
    PricingModel,
    Publisher,
    ReviewApproval,
    SigningIdentity,
    Upload,
    UploadStatus,
    VersionStatus,
    VersionTransition,
    Visibility,
)
from domain.marketplace.signatures import (
    RegisteredKey,
    SigstoreIdentity,
    Verification,
    parse_public_key,
    verify_key_signature,
    verify_sigstore_bundle,
)
from domain.principal import Principal, PrincipalKind
from domain.storage import ObjectStorage

NAMESPACE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])$")
PACKAGE_NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
UPLOAD_TTL = timedelta(hours=1)
HIGH_RISK = ("HIGH", "CRITICAL")

# The review state machine: which transitions exist at all. Who may take them is checked apart.
TRANSITIONS: dict[VersionStatus, frozenset[VersionStatus]] = {
    VersionStatus.DRAFT: frozenset({VersionStatus.SUBMITTED}),
    VersionStatus.SUBMITTED: frozenset({VersionStatus.IN_REVIEW, VersionStatus.REJECTED}),
    VersionStatus.IN_REVIEW: frozenset({VersionStatus.APPROVED, VersionStatus.REJECTED}),
    VersionStatus.APPROVED: frozenset({VersionStatus.PUBLISHED, VersionStatus.REVOKED}),
    VersionStatus.PUBLISHED: frozenset({VersionStatus.YANKED, VersionStatus.REVOKED}),
    VersionStatus.REJECTED: frozenset(),
    VersionStatus.YANKED: frozenset(),
    VersionStatus.REVOKED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class SignatureInput:
    """Exactly one of: a Sigstore bundle (JSON), or a base64 signature by a registered key."""

    sigstore_bundle: str | None = None
    key_signature: str | None = None


@dataclass(frozen=True, slots=True)
class PublishConfig:
    rules: RuleSet
    limits: ArchiveLimits
    sigstore_trust: Literal["production", "staging"] = "production"
    spool_dir: Path | None = None


@dataclass(frozen=True, slots=True)
class Download:
    storage_key: str
    sha256: str
    size: int
    filename: str


def _actor(principal: Principal) -> str:
    return principal.subject


def _require_org(principal: Principal) -> uuid.UUID:
    if principal.organization_id is None:
        raise PermissionDenied("Select an organization first.", code=Code.FORBIDDEN)
    return principal.organization_id


def _text(value: str | None, *, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if (required and not value) or len(value) > max_length:
        raise InvalidInput(f"Must be 1 to {max_length} characters.", code=Code.INVALID, field=field)
    return value


def version_sort_key(version: str) -> str:
    """A string that sorts like semantic versions (releases after their pre-releases)."""
    v = semver.Version.parse(version)
    release = "1" if not v.prerelease else "0"
    return f"{v.major:010d}.{v.minor:010d}.{v.patch:010d}.{release}.{v.prerelease or ''}"


# ---------------------------------------------------------------- publishers and identities


async def become_publisher(
    session: AsyncSession, principal: Principal, *, namespace: str, display_name: str
) -> Publisher:
    organization_id = _require_org(principal)
    if not NAMESPACE_RE.match(namespace) or "--" in namespace:
        raise InvalidInput(
            "A namespace is 2 to 40 lowercase letters, digits and single hyphens.",
            code=Code.INVALID_NAMESPACE,
            field="namespace",
        )
    if await repository.publisher_of(session, organization_id) is not None:
        raise Conflict("This organization is a publisher already.", code=Code.ALREADY_PUBLISHER)
    if await session.scalar(select(Publisher.id).where(Publisher.namespace == namespace)):
        raise Conflict("That namespace is taken.", code=Code.NAMESPACE_TAKEN, field="namespace")
    publisher = Publisher(
        organization_id=organization_id,
        namespace=namespace,
        display_name=_text(display_name, field="displayName", max_length=120),
        created_at=clock.now(),
    )
    session.add(publisher)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("That namespace is taken.", code=Code.NAMESPACE_TAKEN, field="namespace") from exc
    record(
        session,
        type="publisher.created",
        organization_id=organization_id,
        subject_id=publisher.id,
        actor=_actor(principal),
        payload={"namespace": namespace},
    )
    return publisher


async def _own_publisher(session: AsyncSession, principal: Principal) -> Publisher:
    publisher = await repository.publisher_of(session, _require_org(principal))
    if publisher is None:
        raise PermissionDenied("Register the organization as a publisher first.", code=Code.NOT_A_PUBLISHER)
    return publisher


async def register_sigstore_identity(
    session: AsyncSession, principal: Principal, *, name: str, issuer: str, identity: str
) -> SigningIdentity:
    publisher = await _own_publisher(session, principal)
    issuer = _text(issuer, field="issuer", max_length=500)
    identity = _text(identity, field="identity", max_length=500)
    if not issuer.startswith("https://"):
        raise InvalidInput("The OIDC issuer is an https:// URL.", code=Code.INVALID, field="issuer")
    for existing in await repository.identities_of(session, publisher.id):
        if existing.revoked_at is None and (existing.issuer, existing.identity) == (issuer, identity):
            raise Conflict(
                "That identity is registered already.", code=Code.IDENTITY_EXISTS, field="identity"
            )
    row = SigningIdentity(
        organization_id=publisher.organization_id,
        publisher_id=publisher.id,
        kind=IdentityKind.SIGSTORE,
        name=_text(name, field="name", max_length=120),
        issuer=issuer,
        identity=identity,
        created_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    _identity_event(session, principal, row, "identity.registered")
    return row


async def register_public_key(
    session: AsyncSession, principal: Principal, *, name: str, public_key_pem: str
) -> SigningIdentity:
    publisher = await _own_publisher(session, principal)
    parsed = parse_public_key(public_key_pem)
    for existing in await repository.identities_of(session, publisher.id):
        if existing.revoked_at is None and existing.key_fingerprint == parsed.fingerprint:
            raise Conflict("That key is registered already.", code=Code.IDENTITY_EXISTS, field="publicKey")
    row = SigningIdentity(
        organization_id=publisher.organization_id,
        publisher_id=publisher.id,
        kind=IdentityKind.KEY,
        name=_text(name, field="name", max_length=120),
        public_key_pem=parsed.pem,
        key_algorithm=parsed.algorithm,
        key_fingerprint=parsed.fingerprint,
        created_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    _identity_event(session, principal, row, "identity.registered")
    return row


async def revoke_identity(
    session: AsyncSession, principal: Principal, *, identity_id: uuid.UUID, reason: str
) -> SigningIdentity:
    row = (
        await session.execute(
            repository.own(SigningIdentity, principal).where(SigningIdentity.id == identity_id)
        )
    ).scalar_one_or_none()
    if not isinstance(row, SigningIdentity):
        raise NotFound("No such signing identity.", code=Code.NOT_FOUND, field="identityId")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        row.revoked_reason = _text(reason, field="reason", max_length=2000)
        _identity_event(session, principal, row, "identity.revoked")
    return row


def _identity_event(session: AsyncSession, principal: Principal, row: SigningIdentity, type_: str) -> None:
    record(
        session,
        type=type_,
        organization_id=row.organization_id,
        subject_id=row.id,
        actor=_actor(principal),
        payload={"kind": row.kind.value, "name": row.name},
    )


# ---------------------------------------------------------------- packages


async def create_package(
    session: AsyncSession,
    principal: Principal,
    *,
    name: str,
    title: str,
    description: str = "",
    tags: Sequence[str] = (),
    categories: Sequence[str] = (),
    visibility: Visibility = Visibility.PUBLIC,
    license: str | None = None,
    homepage: str | None = None,
    pricing_model: PricingModel = PricingModel.FREE,
    price_amount: int = 0,
    price_currency: str | None = None,
) -> Package:
    publisher = await _own_publisher(session, principal)
    if not PACKAGE_NAME_RE.match(name) or "--" in name:
        raise InvalidInput(
            "A package name is 2 to 64 lowercase letters, digits and single hyphens.",
            code=Code.INVALID_PACKAGE_NAME,
            field="name",
        )
    _check_price(pricing_model, price_amount, price_currency)
    clean_tags = sorted({_text(t, field="tags", max_length=40).lower() for t in tags})
    if len(clean_tags) > 20:
        raise InvalidInput("At most 20 tags.", code=Code.INVALID, field="tags")
    if homepage and not homepage.startswith(("https://", "http://")):
        raise InvalidInput("The homepage is an http(s) URL.", code=Code.INVALID, field="homepage")
    full_name = f"{publisher.namespace}/{name}"
    if await session.scalar(select(Package.id).where(Package.full_name == full_name)):
        raise Conflict("A package with that name exists.", code=Code.PACKAGE_EXISTS, field="name")
    now = clock.now()
    title = _text(title, field="title", max_length=200)
    description = _text(description, field="description", max_length=20_000, required=False)
    package = Package(
        organization_id=publisher.organization_id,
        publisher_id=publisher.id,
        name=name,
        full_name=full_name,
        title=title,
        description=description,
        tags=clean_tags,
        categories=sorted({_text(c, field="categories", max_length=60) for c in categories}),
        visibility=visibility,
        license=license.strip() if license else None,
        homepage=homepage,
        pricing_model=pricing_model,
        price_amount=price_amount,
        price_currency=price_currency,
        search_text=" ".join([full_name, title.lower(), " ".join(clean_tags), description.lower()]),
        install_count=0,
        created_at=now,
        updated_at=now,
    )
    session.add(package)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("A package with that name exists.", code=Code.PACKAGE_EXISTS, field="name") from exc
    record(
        session,
        type="package.created",
        organization_id=package.organization_id,
        subject_id=package.id,
        actor=_actor(principal),
        payload={"fullName": full_name, "visibility": visibility.value},
    )
    return package


def _check_price(model: PricingModel, amount: int, currency: str | None) -> None:
    if model is PricingModel.FREE:
        if amount != 0 or currency is not None:
            raise InvalidInput("A free package has no price.", code=Code.INVALID_PRICE, field="pricing")
        return
    if amount <= 0 or amount > 100_000_000_00:
        raise InvalidInput(
            "The price is a positive amount in minor units.", code=Code.INVALID_PRICE, field="pricing"
        )
    if currency is None or not CURRENCY_RE.match(currency):
        raise InvalidInput(
            "The currency is an ISO 4217 code like EUR.", code=Code.INVALID_PRICE, field="pricing"
        )


async def get_visible_package(session: AsyncSession, principal: Principal, package_id: uuid.UUID) -> Package:
    package = (
        await session.execute(repository.packages_visible_to(principal).where(Package.id == package_id))
    ).scalar_one_or_none()
    if package is None:
        raise NotFound("No such package.", code=Code.NOT_FOUND, field="packageId")
    return package


async def get_visible_version(
    session: AsyncSession, principal: Principal, version_id: uuid.UUID
) -> PackageVersion:
    version = (
        await session.execute(
            repository.versions_visible_to(principal).where(PackageVersion.id == version_id)
        )
    ).scalar_one_or_none()
    if version is None:
        raise NotFound("No such version.", code=Code.NOT_FOUND, field="versionId")
    return version


# ---------------------------------------------------------------- uploads


async def create_upload(
    session: AsyncSession, principal: Principal, *, filename: str, max_bytes: int
) -> tuple[Upload, str]:
    """Reserve a storage key for an artifact. The token authorizes one PUT of the bytes."""
    organization_id = _require_org(principal)
    await _own_publisher(session, principal)
    filename = _text(filename, field="filename", max_length=200)
    if not filename.endswith((".tar.gz", ".tgz", ".zip")):
        raise InvalidInput(
            "An artifact is a .tar.gz or .zip file.", code=Code.NOT_AN_ARCHIVE, field="filename"
        )
    upload_id = uuid.uuid4()
    token = f"atomu_{new_secret()}"
    upload = Upload(
        id=upload_id,
        organization_id=organization_id,
        created_by=_actor(principal),
        storage_key=f"uploads/{organization_id}/{upload_id}",
        filename=filename,
        token_hash=digest_secret(token),
        status=UploadStatus.PENDING,
        max_bytes=max_bytes,
        created_at=clock.now(),
        expires_at=clock.now() + UPLOAD_TTL,
    )
    session.add(upload)
    await session.flush()
    return upload, token


async def upload_for_token(session: AsyncSession, *, upload_id: uuid.UUID, token: str) -> Upload:
    upload = await session.get(Upload, upload_id)
    if upload is None or upload.token_hash != digest_secret(token):
        raise NotFound("No such upload.", code=Code.UPLOAD_NOT_FOUND)
    if upload.status is not UploadStatus.PENDING:
        raise Conflict("The bytes of this upload were sent already.", code=Code.INVALID)
    if upload.expires_at <= clock.now():
        raise InvalidInput("The upload has expired.", code=Code.UPLOAD_EXPIRED)
    return upload


async def collect_garbage(session: AsyncSession, storage: ObjectStorage) -> int:
    """Delete expired uploads that never became versions, bytes first. Returns how many."""
    stmt = select(Upload).where(Upload.status != UploadStatus.CONSUMED, Upload.expires_at <= clock.now())
    removed = 0
    for upload in (await session.execute(stmt)).scalars().all():
        await storage.delete(upload.storage_key)
        await session.delete(upload)
        removed += 1
    return removed


# ---------------------------------------------------------------- the publish pipeline


async def publish_version(
    session: AsyncSession,
    principal: Principal,
    *,
    storage: ObjectStorage,
    config: PublishConfig,
    package_id: uuid.UUID,
    upload_id: uuid.UUID,
    signature: SignatureInput,
) -> PackageVersion:
    """Digest → signature → archive → manifest → analysis → version (SUBMITTED for review).

    A refusal at any step deletes the uploaded bytes: nothing orphaned, nothing half-published.
    """
    organization_id = _require_org(principal)
    publisher = await _own_publisher(session, principal)
    upload = (
        await session.execute(
            select(Upload).where(Upload.id == upload_id, Upload.organization_id == organization_id)
        )
    ).scalar_one_or_none()
    if upload is None or upload.status is UploadStatus.CONSUMED:
        raise NotFound("No such upload.", code=Code.UPLOAD_NOT_FOUND, field="uploadId")
    try:
        package = (
            await session.execute(
                select(Package).where(Package.id == package_id, Package.organization_id == organization_id)
            )
        ).scalar_one_or_none()
        if package is None:  # another organization's namespace is simply not found
            raise NotFound("No such package of yours.", code=Code.NOT_FOUND, field="packageId")
        if upload.expires_at <= clock.now():
            raise InvalidInput("The upload has expired.", code=Code.UPLOAD_EXPIRED, field="uploadId")
        if not await storage.exists(upload.storage_key):
            raise InvalidInput("No bytes were uploaded.", code=Code.UPLOAD_INCOMPLETE, field="uploadId")
        with tempfile.TemporaryDirectory(dir=config.spool_dir) as spool:
            artifact = Path(spool) / "artifact"
            size, sha256 = await _spool(storage, upload.storage_key, artifact, upload.max_bytes)
            verification = await _verify(session, publisher, signature, sha256, config)
            version = _inspect(artifact, config, package, verification)
        version_row = await _create_version(
            session, principal, package, upload, size, sha256, verification, version
        )
    except DomainError:
        await storage.delete(upload.storage_key)
        raise
    upload.status = UploadStatus.CONSUMED
    upload.size, upload.sha256 = size, sha256
    return version_row


async def _spool(storage: ObjectStorage, key: str, target: Path, max_bytes: int) -> tuple[int, str]:
    """Copy the stored bytes to a local file, hashing as they pass (bounded memory)."""
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as handle:
        async for chunk in await storage.open_stream(key):
            size += len(chunk)
            if size > max_bytes:
                raise InvalidInput(
                    f"The artifact is larger than {max_bytes} bytes.",
                    code=Code.UPLOAD_TOO_LARGE,
                    field="uploadId",
                )
            digest.update(chunk)
            handle.write(chunk)
    return size, digest.hexdigest()


async def _verify(
    session: AsyncSession,
    publisher: Publisher,
    signature: SignatureInput,
    sha256: str,
    config: PublishConfig,
) -> Verification:
    if (signature.sigstore_bundle is None) == (signature.key_signature is None):
        raise InvalidInput(
            "Give either a Sigstore bundle or a key signature.",
            code=Code.SIGNATURE_MALFORMED,
            field="signature",
        )
    identities = await repository.identities_of(session, publisher.id)
    if signature.sigstore_bundle is not None:
        return verify_sigstore_bundle(
            sha256_hex=sha256,
            bundle=signature.sigstore_bundle.encode(),
            identities=[
                SigstoreIdentity(i.id, i.issuer or "", i.identity or "", i.revoked_at is not None)
                for i in identities
                if i.kind is IdentityKind.SIGSTORE
            ],
            trust=config.sigstore_trust,
        )
    assert signature.key_signature is not None
    return verify_key_signature(
        sha256_hex=sha256,
        signature=signature.key_signature,
        keys=[
            RegisteredKey(i.id, i.public_key_pem or "", i.revoked_at is not None)
            for i in identities
            if i.kind is IdentityKind.KEY
        ],
    )


@dataclass(frozen=True, slots=True)
class _Inspected:
    version: str
    format: str
    manifest: dict[str, Any]
    analysis: Any


def _inspect(
    artifact: Path, config: PublishConfig, package: Package, verification: Verification
) -> _Inspected:
    archive = open_archive(artifact, config.limits)
    manifest = load_manifest(archive)  # also checks that the entrypoint is in the archive
    if manifest.name != package.name:
        raise InvalidInput(
            f"The manifest names package {manifest.name!r}, not {package.name!r}.",
            code=Code.MANIFEST_MISMATCH,
            field="artifact",
        )
    analysis = analyze(archive, manifest, config.rules)
    return _Inspected(manifest.version, str(archive.format), manifest.raw, analysis)


async def _create_version(
    session: AsyncSession,
    principal: Principal,
    package: Package,
    upload: Upload,
    size: int,
    sha256: str,
    verification: Verification,
    inspected: _Inspected,
) -> PackageVersion:
    try:
        sort_key = version_sort_key(inspected.version)
    except ValueError as exc:
        raise InvalidInput("Not a semantic version.", code=Code.INVALID_VERSION, field="artifact") from exc
    if await session.scalar(
        select(PackageVersion.id).where(
            PackageVersion.package_id == package.id, PackageVersion.version == inspected.version
        )
    ):
        raise Conflict(f"Version {inspected.version} exists.", code=Code.VERSION_EXISTS, field="artifact")
    analysis = inspected.analysis
    now = clock.now()
    version = PackageVersion(
        organization_id=package.organization_id,
        package_id=package.id,
        version=inspected.version,
        sort_key=sort_key,
        status=VersionStatus.DRAFT,
        artifact_key=upload.storage_key,
        artifact_sha256=sha256,
        artifact_size=size,
        artifact_format=inspected.format,
        manifest=inspected.manifest,
        signature_method=verification.method,
        signer_identity_id=verification.signer_id,
        signer_identity=verification.identity,
        signer_issuer=verification.issuer,
        transparency_log_index=verification.log_index,
        integrated_time=verification.integrated_time,
        key_fingerprint=verification.key_fingerprint,
        risk_score=analysis.score,
        risk_level=str(analysis.level),
        violations=[
            {
                "rule": v.rule,
                "policy": v.policy,
                "severity": str(v.severity),
                "message": v.message,
                "path": v.path,
            }
            for v in analysis.violations
        ],
        rules_version=analysis.rules_version,
        requires_manual_review=analysis.requires_manual_review,
        approvals_required=2 if analysis.level in HIGH_RISK else 1,
        created_by=_actor(principal),
        created_at=now,
    )
    session.add(version)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"Version {inspected.version} exists.", code=Code.VERSION_EXISTS, field="artifact"
        ) from exc
    _transition(session, principal, version, None, VersionStatus.DRAFT, "uploaded and verified")
    _transition(session, principal, version, VersionStatus.DRAFT, VersionStatus.SUBMITTED, None)
    return version


def _transition(
    session: AsyncSession,
    principal: Principal,
    version: PackageVersion,
    from_status: VersionStatus | None,
    to_status: VersionStatus,
    reason: str | None,
) -> None:
    if from_status is not None and to_status not in TRANSITIONS[from_status]:
        raise InvalidInput(
            f"A version cannot go from {from_status.value} to {to_status.value}.",
            code=Code.INVALID_TRANSITION,
            field="versionId",
        )
    now = clock.now()
    version.status = to_status
    version.status_reason = reason
    if to_status is VersionStatus.PUBLISHED:
        version.published_at = now
    session.add(
        VersionTransition(
            version_id=version.id,
            organization_id=version.organization_id,
            from_status=from_status,
            to_status=to_status,
            actor=_actor(principal),
            actor_organization_id=principal.organization_id,
            reason=reason,
            created_at=now,
        )
    )
    record(
        session,
        type="version.status_changed",
        organization_id=version.organization_id,
        subject_id=version.id,
        actor=_actor(principal),
        payload={
            "packageId": str(version.package_id),
            "version": version.version,
            "from": from_status.value if from_status else None,
            "to": to_status.value,
            "reason": reason,
        },
    )


# ---------------------------------------------------------------- review


async def _reviewable(
    session: AsyncSession, principal: Principal, version_id: uuid.UUID
) -> tuple[PackageVersion, Package]:
    """The version, if this principal may review it: a user with packages:review (checked on the
    field) who, for a public package, belongs to a trusted reviewer organization other than the
    publisher's; private packages are reviewed inside their own organization."""
    if principal.kind is not PrincipalKind.USER:
        raise PermissionDenied(
            "Reviews are made by people, not API keys.", code=Code.FORBIDDEN, field="versionId"
        )
    version = await get_visible_version(session, principal, version_id)
    package = await session.get(Package, version.package_id)
    assert package is not None
    if package.visibility is Visibility.PUBLIC:
        if package.organization_id == principal.organization_id:
            raise PermissionDenied(
                "Reviewers cannot review their own organization's public packages.",
                code=Code.SELF_REVIEW,
                field="versionId",
            )
        if not await repository.is_platform_reviewer(session, principal.organization_id):
            raise NotFound("No such version.", code=Code.NOT_FOUND, field="versionId")
    return version, package


async def start_review(
    session: AsyncSession, principal: Principal, *, version_id: uuid.UUID
) -> PackageVersion:
    version, _package = await _reviewable(session, principal, version_id)
    _transition(session, principal, version, version.status, VersionStatus.IN_REVIEW, None)
    return version


async def approve_version(
    session: AsyncSession, principal: Principal, *, version_id: uuid.UUID, reason: str | None
) -> PackageVersion:
    """Record an approval; with enough of them (two for HIGH and CRITICAL risk) the version is
    approved and published in the same transaction."""
    version, package = await _reviewable(session, principal, version_id)
    if version.status is VersionStatus.SUBMITTED:
        _transition(session, principal, version, version.status, VersionStatus.IN_REVIEW, None)
    if version.status is not VersionStatus.IN_REVIEW:
        raise InvalidInput(
            f"A {version.status.value} version cannot be approved.",
            code=Code.INVALID_TRANSITION,
            field="versionId",
        )
    reviewer = _actor(principal)
    if await session.scalar(
        select(ReviewApproval.id).where(
            ReviewApproval.version_id == version.id, ReviewApproval.reviewer == reviewer
        )
    ):
        raise Conflict("You approved this version already.", code=Code.ALREADY_APPROVED, field="versionId")
    assert principal.organization_id is not None
    session.add(
        ReviewApproval(
            version_id=version.id,
            reviewer=reviewer,
            reviewer_organization_id=principal.organization_id,
            reason=reason,
            created_at=clock.now(),
        )
    )
    await session.flush()
    approvals = await session.scalar(
        select(func.count()).select_from(ReviewApproval).where(ReviewApproval.version_id == version.id)
    )
    if int(approvals or 0) >= version.approvals_required:
        _transition(session, principal, version, VersionStatus.IN_REVIEW, VersionStatus.APPROVED, reason)
        _transition(session, principal, version, VersionStatus.APPROVED, VersionStatus.PUBLISHED, None)
        package.updated_at = clock.now()
    return version


async def reject_version(
    session: AsyncSession, principal: Principal, *, version_id: uuid.UUID, reason: str
) -> PackageVersion:
    version, _package = await _reviewable(session, principal, version_id)
    reason = _reason(reason)
    _transition(session, principal, version, version.status, VersionStatus.REJECTED, reason)
    return version


async def yank_version(
    session: AsyncSession, principal: Principal, *, version_id: uuid.UUID, reason: str
) -> PackageVersion:
    """The publisher withdraws a version; existing installs are flagged, not removed."""
    organization_id = _require_org(principal)
    version = (
        await session.execute(
            select(PackageVersion).where(
                PackageVersion.id == version_id, PackageVersion.organization_id == organization_id
            )
        )
    ).scalar_one_or_none()
    if version is None:
        raise NotFound("No such version of yours.", code=Code.NOT_FOUND, field="versionId")
    _transition(session, principal, version, version.status, VersionStatus.YANKED, _reason(reason))
    return version


async def revoke_version(
    session: AsyncSession, principal: Principal, *, version_id: uuid.UUID, reason: str
) -> PackageVersion:
    """A trusted reviewer organization pulls a version (malware, policy breach)."""
    if not await repository.is_platform_reviewer(session, principal.organization_id):
        raise PermissionDenied(
            "Only platform reviewers revoke versions.", code=Code.FORBIDDEN, field="versionId"
        )
    version = await get_visible_version(session, principal, version_id)
    _transition(session, principal, version, version.status, VersionStatus.REVOKED, _reason(reason))
    return version


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give a reason.", code=Code.REASON_REQUIRED, field="reason")
    if len(reason) > 2000:
        raise InvalidInput("At most 2000 characters.", code=Code.INVALID, field="reason")
    return reason


# ---------------------------------------------------------------- installs and downloads


async def install_package(
    session: AsyncSession,
    principal: Principal,
    *,
    package_id: uuid.UUID,
    version_id: uuid.UUID | None,
    publisher_share_bps: int = 8000,
) -> Install:
    """Install (or upgrade/downgrade to) a published version: the organization's entitlement."""
    organization_id = _require_org(principal)
    package = await get_visible_package(session, principal, package_id)
    if version_id is None:
        version = await repository.latest_published(session, package.id)
    else:
        version = await session.get(PackageVersion, version_id)
    if version is None or version.package_id != package.id or version.status is not VersionStatus.PUBLISHED:
        raise NotFound("No such published version.", code=Code.NOT_FOUND, field="versionId")
    now = clock.now()
    install = (
        await session.execute(
            select(Install).where(
                Install.organization_id == organization_id, Install.package_id == package.id
            )
        )
    ).scalar_one_or_none()
    if install is not None and install.active and install.version_id == version.id:
        raise Conflict("That version is installed already.", code=Code.ALREADY_INSTALLED, field="versionId")
    event_type = "install.upgraded" if install is not None and install.active else "install.created"
    if install is None:
        install = Install(
            organization_id=organization_id,
            package_id=package.id,
            version_id=version.id,
            installed_by=_actor(principal),
            active=True,
            created_at=now,
            updated_at=now,
        )
        session.add(install)
        package.install_count += 1
    else:
        if not install.active:
            package.install_count += 1
        install.version_id, install.active, install.updated_at = version.id, True, now
    await session.flush()
    # A priced package is charged from now, at today's price (billing refuses a second currency).
    await billing.package_installed(
        session, organization_id=organization_id, package=package, publisher_share_bps=publisher_share_bps
    )
    record(
        session,
        type=event_type,
        organization_id=organization_id,
        subject_id=install.id,
        actor=_actor(principal),
        payload={"packageId": str(package.id), "versionId": str(version.id), "version": version.version},
    )
    return install


async def uninstall_package(session: AsyncSession, principal: Principal, *, package_id: uuid.UUID) -> Install:
    organization_id = _require_org(principal)
    install = await repository.active_install(session, organization_id, package_id)
    if install is None:
        raise NotFound("The package is not installed.", code=Code.NOT_INSTALLED, field="packageId")
    install.active = False
    install.updated_at = clock.now()
    package = await session.get(Package, package_id)
    if package is not None:
        package.install_count = max(0, package.install_count - 1)
    await billing.package_uninstalled(session, organization_id=organization_id, package_id=package_id)
    record(
        session,
        type="install.removed",
        organization_id=organization_id,
        subject_id=install.id,
        actor=_actor(principal),
        payload={"packageId": str(package_id)},
    )
    return install


async def download(session: AsyncSession, principal: Principal, *, version_id: uuid.UUID) -> Download:
    """What to hand out for a download: public free packages to anyone who can see them,
    everything else to the publisher's organization and to organizations that installed it."""
    version = await get_visible_version(session, principal, version_id)
    package = await session.get(Package, version.package_id)
    assert package is not None
    own = principal.organization_id == package.organization_id
    if not own:
        if version.status is not VersionStatus.PUBLISHED:
            raise NotFound("No such version.", code=Code.NOT_FOUND, field="versionId")
        free_public = package.visibility is Visibility.PUBLIC and package.pricing_model is PricingModel.FREE
        installed = principal.organization_id is not None and await repository.active_install(
            session, principal.organization_id, package.id
        )
        if not free_public and not installed:
            raise PermissionDenied(
                "Install the package to download it.", code=Code.NOT_ENTITLED, field="versionId"
            )
    extension = "zip" if version.artifact_format == "zip" else "tar.gz"
    filename = f"{package.name}-{version.version}.{extension}"
    return Download(version.artifact_key, version.artifact_sha256, version.artifact_size, filename)
