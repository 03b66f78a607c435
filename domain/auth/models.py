"""SQLAlchemy models of the auth area. Every tenant-owned row carries `organization_id`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.db import Base, IdMixin


class Organization(IdMixin, Base):
    __tablename__ = "organizations"

    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    # Set by the platform operator (`atom orgs trust-reviewer`): its reviewers review public packages.
    marketplace_reviewer: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Set by `atom orgs platform-operator`: its members manage the billing catalogue (meters, plans),
    # finalize and void invoices, and read platform-wide revenue.
    platform_operator: Mapped[bool] = mapped_column(default=False, server_default=false())


class User(IdMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class Membership(IdMixin, Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]

    organization: Mapped[Organization] = relationship(lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")


class Invitation(IdMixin, Base):
    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_org_email", "organization_id", "email"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ApiKey(IdMixin, Base):
    __tablename__ = "api_keys"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class SigningKey(IdMixin, Base):
    """A JWT signing key. Active: the newest unretired key. Superseded keys verify until retired."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), unique=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    # AES-256-GCM ciphertext of the PKCS#8 private key under the master key; dropped on retirement.
    private_key_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    superseded_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]


class RefreshToken(IdMixin, Base):
    """One refresh token of a rotation family. A spent token presented again revokes its family."""

    __tablename__ = "refresh_tokens"

    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Role(IdMixin, Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    builtin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class PolicyRule(IdMixin, Base):
    """A Casbin rule of one organization: `p, role, org, resource, action` or `g, subject, role, org`."""

    __tablename__ = "policy_rules"
    __table_args__ = (UniqueConstraint("organization_id", "ptype", "v0", "v1", "v2", "v3"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    ptype: Mapped[str] = mapped_column(String(8))
    v0: Mapped[str] = mapped_column(String(200))
    v1: Mapped[str] = mapped_column(String(200))
    v2: Mapped[str] = mapped_column(String(200))
    v3: Mapped[str] = mapped_column(String(200), default="")


class PolicyVersion(IdMixin, Base):
    """A snapshot of an organization's policy set after each change, identified by its content hash."""

    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("organization_id", "number"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    rules: Mapped[list[list[str]]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(Text, default="")


class TrustedIssuer(IdMixin, Base):
    """An identity provider (or a peer ATOM region) whose tokens this organization accepts (P-10).

    Tokens are verified against `jwks` (inline) or the keys at `jwks_url`; the claims map to a user of
    the organization or to a service identity, acting with roles from `allowed_roles` only."""

    __tablename__ = "trusted_issuers"
    __table_args__ = (
        UniqueConstraint("organization_id", "issuer"),
        Index("ix_trusted_issuers_issuer", "issuer"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    issuer: Mapped[str] = mapped_column(String(500))
    jwks_url: Mapped[str | None] = mapped_column(String(2000))
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    audience: Mapped[str] = mapped_column(String(500))
    identity_kind: Mapped[str] = mapped_column(String(16))  # "user" or "service"
    subject_claim: Mapped[str] = mapped_column(String(200))
    user_claim: Mapped[str] = mapped_column(String(200))  # matched to a member's e-mail ("user" kind)
    roles_claim: Mapped[str] = mapped_column(String(200))
    allowed_roles: Mapped[list[str]] = mapped_column(JSON)
    default_roles: Mapped[list[str]] = mapped_column(JSON)  # when the token has no roles claim
    # Claims a token must carry with these values, e.g. a peer region's `org`: [[claim, value], ...]
    required_claims: Mapped[list[list[str]]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
