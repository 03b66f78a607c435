"""SQLAlchemy models of the marketplace. Every tenant-owned row carries `organization_id`."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base, IdMixin


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=24, validate_strings=True)


class IdentityKind(enum.StrEnum):
    SIGSTORE = "SIGSTORE"
    KEY = "KEY"


class Visibility(enum.StrEnum):
    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"


class PricingModel(enum.StrEnum):
    FREE = "FREE"
    PER_RUN = "PER_RUN"
    MONTHLY = "MONTHLY"


class VersionStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    IN_REVIEW = "IN_REVIEW"
    APPROVED = "APPROVED"
    PUBLISHED = "PUBLISHED"
    REJECTED = "REJECTED"
    YANKED = "YANKED"
    REVOKED = "REVOKED"


class UploadStatus(enum.StrEnum):
    PENDING = "PENDING"
    RECEIVED = "RECEIVED"
    CONSUMED = "CONSUMED"


class Publisher(IdMixin, Base):
    __tablename__ = "publishers"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), unique=True
    )
    namespace: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]


class SigningIdentity(IdMixin, Base):
    """A Sigstore identity (OIDC issuer + certificate identity) or a public key of a publisher."""

    __tablename__ = "signing_identities"
    __table_args__ = (Index("ix_signing_identities_org", "organization_id"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    publisher_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("publishers.id", ondelete="CASCADE"))
    kind: Mapped[IdentityKind] = mapped_column(_enum(IdentityKind))
    name: Mapped[str] = mapped_column(String(120))
    issuer: Mapped[str | None] = mapped_column(String(500))
    identity: Mapped[str | None] = mapped_column(String(500))
    public_key_pem: Mapped[str | None] = mapped_column(Text)
    key_algorithm: Mapped[str | None] = mapped_column(String(24))
    key_fingerprint: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)


class Package(IdMixin, Base):
    __tablename__ = "packages"
    __table_args__ = (UniqueConstraint("publisher_id", "name"), Index("ix_packages_org", "organization_id"))

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    publisher_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("publishers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(110), unique=True)  # namespace/name
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility))
    license: Mapped[str | None] = mapped_column(String(100))
    homepage: Mapped[str | None] = mapped_column(String(500))
    pricing_model: Mapped[PricingModel] = mapped_column(_enum(PricingModel))
    price_amount: Mapped[int] = mapped_column(BigInteger, default=0)  # integer minor units
    price_currency: Mapped[str | None] = mapped_column(String(3))
    search_text: Mapped[str] = mapped_column(Text, default="")  # lowercased name, title, tags, description
    install_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Upload(IdMixin, Base):
    """Bytes on their way to becoming a version. Unconsumed uploads are garbage-collected."""

    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_org", "organization_id"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    created_by: Mapped[str] = mapped_column(String(80))
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[UploadStatus] = mapped_column(_enum(UploadStatus))
    max_bytes: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class PackageVersion(IdMixin, Base):
    __tablename__ = "package_versions"
    __table_args__ = (
        UniqueConstraint("package_id", "version"),
        Index("ix_package_versions_status", "status"),
        Index("ix_package_versions_org", "organization_id"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    package_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("packages.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(100))
    # (major, minor, patch, is_release, prerelease) packed for ordering: see service.version_sort_key
    sort_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[VersionStatus] = mapped_column(_enum(VersionStatus))
    status_reason: Mapped[str | None] = mapped_column(Text)
    artifact_key: Mapped[str] = mapped_column(String(300))
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    artifact_size: Mapped[int] = mapped_column(BigInteger)
    artifact_format: Mapped[str] = mapped_column(String(10))
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    # signature verification, recorded before anything else happens to the version
    signature_method: Mapped[str] = mapped_column(String(10))
    signer_identity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signing_identities.id"))
    signer_identity: Mapped[str | None] = mapped_column(String(500))
    signer_issuer: Mapped[str | None] = mapped_column(String(500))
    transparency_log_index: Mapped[int | None] = mapped_column(BigInteger)
    integrated_time: Mapped[datetime | None]
    key_fingerprint: Mapped[str | None] = mapped_column(String(80))
    # governance analysis
    risk_score: Mapped[float] = mapped_column(Float)
    risk_level: Mapped[str] = mapped_column(String(10))
    violations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    rules_version: Mapped[str] = mapped_column(String(40))
    requires_manual_review: Mapped[bool]
    approvals_required: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]


class VersionTransition(IdMixin, Base):
    """One step of a version's review state machine: who, when, why."""

    __tablename__ = "version_transitions"
    __table_args__ = (Index("ix_version_transitions_version", "version_id"),)

    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("package_versions.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    from_status: Mapped[VersionStatus | None] = mapped_column(_enum(VersionStatus))
    to_status: Mapped[VersionStatus] = mapped_column(_enum(VersionStatus))
    actor: Mapped[str] = mapped_column(String(80))
    actor_organization_id: Mapped[uuid.UUID | None]
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class ReviewApproval(IdMixin, Base):
    __tablename__ = "review_approvals"
    __table_args__ = (UniqueConstraint("version_id", "reviewer"),)

    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("package_versions.id", ondelete="CASCADE"))
    reviewer: Mapped[str] = mapped_column(String(80))
    reviewer_organization_id: Mapped[uuid.UUID]
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class Install(IdMixin, Base):
    """An organization's entitlement to a package, at one version."""

    __tablename__ = "installs"
    __table_args__ = (
        UniqueConstraint("organization_id", "package_id"),
        Index("ix_installs_package", "package_id"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    package_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("packages.id", ondelete="CASCADE"))
    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("package_versions.id", ondelete="CASCADE"))
    installed_by: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
