"""GraphQL types of the marketplace: publishers, signing identities, packages, versions, installs."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated, Any, Protocol, cast

import strawberry
from strawberry.file_uploads import Upload as StrawberryUpload
from strawberry.scalars import JSON
from strawberry.types import Info

from domain.marketplace import models
from domain.marketplace.errors import MarketplaceErrorCode as DomainMarketplaceErrorCode
from resolvers import marketplace as resolve
from resolvers.context import Context
from resolvers.errors import UserErrorData
from resolvers.ids import to_global_id
from resolvers.mutations import Outcome
from resolvers.permissions import needs
from schema.auth import Organization
from schema.contracts import PUBLIC
from schema.errors import UserError
from schema.node import register_node
from schema.relay import Connection, Node, PageInfo, connection, encode_cursor, page_request

MarketplaceErrorCode = strawberry.enum(
    DomainMarketplaceErrorCode, name="MarketplaceErrorCode", description="Why a marketplace mutation failed."
)
VersionStatus = strawberry.federation.enum(
    models.VersionStatus, description="Where a version stands in review.", tags=[PUBLIC]
)
Visibility = strawberry.federation.enum(models.Visibility, tags=[PUBLIC])
PricingModel = strawberry.federation.enum(models.PricingModel, tags=[PUBLIC])
IdentityKind = strawberry.federation.enum(models.IdentityKind, tags=[PUBLIC])


@strawberry.type(description="A failure of a marketplace mutation.")
class MarketplaceError(UserError):
    code: MarketplaceErrorCode  # type: ignore[valid-type]


def market_errors(errors: list[UserErrorData]) -> list[MarketplaceError]:
    known = set(DomainMarketplaceErrorCode)
    return [
        MarketplaceError(
            field=e.field,
            message=e.message,
            code=DomainMarketplaceErrorCode(e.code)
            if e.code in known
            else DomainMarketplaceErrorCode.INVALID,
        )
        for e in errors
    ]


@strawberry.federation.type(
    keys=["id"],
    tags=[PUBLIC],
    description="An organization that publishes packages under its namespace.",
)
class Publisher(Node):
    id: strawberry.ID
    namespace: str
    display_name: str
    created_at: datetime
    pk: strawberry.Private[uuid.UUID]
    organization_pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, m: models.Publisher) -> Publisher:
        return cls(
            id=strawberry.ID(to_global_id("Publisher", m.id)),
            namespace=m.namespace,
            display_name=m.display_name,
            created_at=m.created_at,
            pk=m.id,
            organization_pk=m.organization_id,
        )

    @strawberry.field(description="Registered signing identities; only the publisher's members see them.")
    async def signing_identities(self, info: Info[Context, Any]) -> list[SigningIdentity]:
        if info.context.principal.organization_id != self.organization_pk:
            return []
        rows = await info.context.loaders.identities_by_publisher.load(self.pk)
        return [SigningIdentity.from_model(i) for i in rows]


@strawberry.federation.type(
    tags=[PUBLIC], description="A Sigstore identity (OIDC issuer + certificate identity) or a public key."
)
class SigningIdentity(Node):
    id: strawberry.ID
    kind: IdentityKind  # type: ignore[valid-type]
    name: str
    issuer: str | None
    identity: str | None
    public_key: str | None
    key_algorithm: str | None
    key_fingerprint: str | None
    created_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None

    @classmethod
    def from_model(cls, m: models.SigningIdentity) -> SigningIdentity:
        return cls(
            id=strawberry.ID(to_global_id("SigningIdentity", m.id)),
            kind=m.kind,
            name=m.name,
            issuer=m.issuer,
            identity=m.identity,
            public_key=m.public_key_pem,
            key_algorithm=m.key_algorithm,
            key_fingerprint=m.key_fingerprint,
            created_at=m.created_at,
            revoked_at=m.revoked_at,
            revoked_reason=m.revoked_reason,
        )


@strawberry.federation.type(tags=[PUBLIC], description="The price of a package, in integer minor units.")
class Pricing:
    model: PricingModel  # type: ignore[valid-type]
    amount: int
    currency: str | None


# Tagged field by field: the public contract has no `versions` (the catalog shows `latestVersion`), as
# a generic connection type cannot be tagged for one kind of node without the others.
@strawberry.federation.type(keys=["id"], description="A workflow package, `namespace/name`.")
class Package(Node):
    id: strawberry.ID = strawberry.federation.field(tags=[PUBLIC])
    full_name: str = strawberry.federation.field(tags=[PUBLIC])
    name: str = strawberry.federation.field(tags=[PUBLIC])
    title: str = strawberry.federation.field(tags=[PUBLIC])
    description: str = strawberry.federation.field(tags=[PUBLIC])
    tags: list[str] = strawberry.federation.field(tags=[PUBLIC])
    categories: list[str] = strawberry.federation.field(tags=[PUBLIC])
    visibility: Visibility = strawberry.federation.field(tags=[PUBLIC])  # type: ignore[valid-type]
    license: str | None = strawberry.federation.field(tags=[PUBLIC])
    homepage: str | None = strawberry.federation.field(tags=[PUBLIC])
    pricing: Pricing = strawberry.federation.field(tags=[PUBLIC])
    install_count: int = strawberry.federation.field(tags=[PUBLIC])
    created_at: datetime = strawberry.federation.field(tags=[PUBLIC])
    updated_at: datetime = strawberry.federation.field(tags=[PUBLIC])
    pk: strawberry.Private[uuid.UUID]
    publisher_pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, m: models.Package) -> Package:
        return cls(
            id=strawberry.ID(to_global_id("Package", m.id)),
            full_name=m.full_name,
            name=m.name,
            title=m.title,
            description=m.description,
            tags=list(m.tags),
            categories=list(m.categories),
            visibility=m.visibility,
            license=m.license,
            homepage=m.homepage,
            pricing=Pricing(model=m.pricing_model, amount=m.price_amount, currency=m.price_currency),
            install_count=m.install_count,
            created_at=m.created_at,
            updated_at=m.updated_at,
            pk=m.id,
            publisher_pk=m.publisher_id,
        )

    @strawberry.federation.field(tags=[PUBLIC])
    async def publisher(self, info: Info[Context, Any]) -> Publisher | None:
        row = await info.context.loaders.publisher_by_id.load(self.publisher_pk)
        return Publisher.from_model(row) if row else None

    @strawberry.federation.field(description="The newest published version.", tags=[PUBLIC])
    async def latest_version(self, info: Info[Context, Any]) -> PackageVersion | None:
        row = await info.context.loaders.latest_published_by_package.load(self.pk)
        return PackageVersion.from_model(row) if row else None

    @strawberry.field(description="Versions you may see, oldest first.")
    async def versions(
        self,
        info: Info[Context, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PackageVersion]:
        page = await resolve.versions_of(info.context, self.pk, page_request(first, after, last, before))
        return connection(page, PackageVersion.from_model, lambda m: m.id)


@strawberry.federation.type(
    tags=[PUBLIC], description="How a version's signature was verified, before anything else happened to it."
)
class Verification:
    method: str = strawberry.field(description="SIGSTORE or KEY.")
    identity: str | None = strawberry.field(description="The certificate identity (Sigstore).")
    issuer: str | None = strawberry.field(description="The OIDC issuer of the certificate (Sigstore).")
    transparency_log_index: int | None
    integrated_time: datetime | None
    key_fingerprint: str | None
    signer_pk: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The registered identity that matched; its revocation shows here.")
    async def signing_identity(self, info: Info[Context, Any]) -> SigningIdentity | None:
        row = await info.context.loaders.signing_identity_by_id.load(self.signer_pk)
        return SigningIdentity.from_model(row) if row else None


@strawberry.federation.type(
    tags=[PUBLIC], description="A rule of the governance analysis that this version breaks."
)
class Violation:
    rule: str
    policy: str
    severity: str
    message: str
    path: str | None


@strawberry.federation.type(tags=[PUBLIC], description="The deterministic governance analysis of a version.")
class Analysis:
    score: float
    level: str
    violations: list[Violation]
    rules_version: str
    requires_manual_review: bool


@strawberry.federation.type(tags=[PUBLIC], description="One step of the review state machine.")
class VersionTransition:
    from_status: VersionStatus | None  # type: ignore[valid-type]
    to_status: VersionStatus  # type: ignore[valid-type]
    actor: str
    reason: str | None
    created_at: datetime


@strawberry.federation.type(
    keys=["id"], tags=[PUBLIC], description="One signed, analysed version of a package."
)
class PackageVersion(Node):
    id: strawberry.ID
    version: str
    status: VersionStatus  # type: ignore[valid-type]
    status_reason: str | None
    sha256: str = strawberry.field(description="SHA-256 of the artifact, as signed and as downloaded.")
    size: int
    format: str
    manifest: JSON
    verification: Verification
    analysis: Analysis
    approvals_required: int
    created_at: datetime
    published_at: datetime | None
    pk: strawberry.Private[uuid.UUID]
    package_pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, m: models.PackageVersion) -> PackageVersion:
        return cls(
            id=strawberry.ID(to_global_id("PackageVersion", m.id)),
            version=m.version,
            status=m.status,
            status_reason=m.status_reason,
            sha256=m.artifact_sha256,
            size=m.artifact_size,
            format=m.artifact_format,
            manifest=cast(JSON, m.manifest),
            verification=Verification(
                method=m.signature_method,
                identity=m.signer_identity,
                issuer=m.signer_issuer,
                transparency_log_index=m.transparency_log_index,
                integrated_time=m.integrated_time,
                key_fingerprint=m.key_fingerprint,
                signer_pk=m.signer_identity_id,
            ),
            analysis=Analysis(
                score=m.risk_score,
                level=m.risk_level,
                violations=[Violation(**v) for v in m.violations],
                rules_version=m.rules_version,
                requires_manual_review=m.requires_manual_review,
            ),
            approvals_required=m.approvals_required,
            created_at=m.created_at,
            published_at=m.published_at,
            pk=m.id,
            package_pk=m.package_id,
        )

    @strawberry.field
    async def package(self, info: Info[Context, Any]) -> Package | None:
        row = await info.context.loaders.package_by_id.load(self.package_pk)
        return Package.from_model(row) if row else None

    @strawberry.field(description="The review history.")
    async def transitions(self, info: Info[Context, Any]) -> list[VersionTransition]:
        rows = await info.context.loaders.transitions_by_version.load(self.pk)
        return [
            VersionTransition(
                from_status=r.from_status,
                to_status=r.to_status,
                actor=r.actor,
                reason=r.reason,
                created_at=r.created_at,
            )
            for r in rows
        ]


@strawberry.federation.type(
    keys=["id"], description="An organization's entitlement to a package at one version."
)
class Install(Node):
    id: strawberry.ID
    active: bool
    created_at: datetime
    updated_at: datetime
    package_pk: strawberry.Private[uuid.UUID]
    version_pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, m: models.Install) -> Install:
        return cls(
            id=strawberry.ID(to_global_id("Install", m.id)),
            active=m.active,
            created_at=m.created_at,
            updated_at=m.updated_at,
            package_pk=m.package_id,
            version_pk=m.version_id,
        )

    @strawberry.field
    async def package(self, info: Info[Context, Any]) -> Package | None:
        row = await info.context.loaders.package_by_id.load(self.package_pk)
        return Package.from_model(row) if row else None

    @strawberry.field
    async def version(self, info: Info[Context, Any]) -> PackageVersion | None:
        row = await info.context.loaders.version_by_id.load(self.version_pk)
        return PackageVersion.from_model(row) if row else None

    @strawberry.field(description="Set when the installed version was yanked or revoked: why.")
    async def flag(self, info: Info[Context, Any]) -> str | None:
        row = await info.context.loaders.version_by_id.load(self.version_pk)
        if row is not None and row.status in (models.VersionStatus.YANKED, models.VersionStatus.REVOKED):
            return f"{row.status.value}: {row.status_reason}"
        return None


@strawberry.type(
    description="Where to PUT an artifact's bytes, then call publishVersion with the upload's ID."
)
class UploadTicket:
    upload_id: strawberry.ID
    url: str
    method: str
    expires_at: datetime


@strawberry.type(description="A short-lived link to an artifact. Check the bytes against `sha256`.")
class ArtifactDownload:
    url: str
    sha256: str
    size: int
    filename: str
    expires_at: datetime


register_node("Publisher", "publisher_by_id", Publisher)
register_node("Package", "package_by_id", Package)
register_node("PackageVersion", "version_by_id", PackageVersion)
register_node("Install", "install_by_id", Install, "packages:read")


# ---------------------------------------------------------------- catalog


@strawberry.federation.enum(description="How the catalog is ordered.", tags=[PUBLIC])
class CatalogSort(enum.Enum):
    RELEVANCE = "RELEVANCE"
    NEWEST = "NEWEST"
    MOST_INSTALLED = "MOST_INSTALLED"


@strawberry.federation.input(description="Catalog filters; all given ones must hold.", tags=[PUBLIC])
class CatalogFilter:
    tags: list[str] = strawberry.field(default_factory=list)
    publisher: str | None = strawberry.field(default=None, description="A publisher's namespace.")
    pricing: PricingModel | None = None  # type: ignore[valid-type]
    risk_levels: list[str] = strawberry.field(
        default_factory=list, description="Of the latest published version."
    )
    verified: bool = strawberry.field(
        default=False, description="Only packages with a published, verified version."
    )


@strawberry.federation.type(tags=[PUBLIC], description="A page of the catalog.")
class PackageSearchResult:
    nodes: list[Package]
    page_info: PageInfo
    total_count: int


def _offset_cursor(offset: int) -> str:
    return encode_cursor(uuid.UUID(int=offset))


def _offset(cursor: str | None) -> int:
    from schema.relay import decode_cursor

    value = decode_cursor(cursor, field="after")
    return 0 if value is None else value.int


# ---------------------------------------------------------------- inputs and payloads


@strawberry.input
class BecomePublisherInput:
    namespace: str
    display_name: str


@strawberry.input
class RegisterSigstoreIdentityInput:
    name: str
    issuer: str = strawberry.field(
        description="OIDC issuer, e.g. https://token.actions.githubusercontent.com"
    )
    identity: str = strawberry.field(description="Certificate identity: a workflow URI or an e-mail address.")


@strawberry.input
class RegisterPublicKeyInput:
    name: str
    public_key: str = strawberry.field(description="PEM: ECDSA P-256 (cosign) or Ed25519.")


@strawberry.input
class RevokeSigningIdentityInput:
    identity_id: strawberry.ID
    reason: str


@strawberry.input
class PricingInput:
    model: PricingModel = models.PricingModel.FREE  # type: ignore[valid-type]
    amount: int = 0
    currency: str | None = None


@strawberry.input
class CreatePackageInput:
    name: str
    title: str
    description: str = ""
    tags: list[str] = strawberry.field(default_factory=list)
    categories: list[str] = strawberry.field(default_factory=list)
    visibility: Visibility = models.Visibility.PUBLIC  # type: ignore[valid-type]
    license: str | None = None
    homepage: str | None = None
    pricing: PricingInput | None = None


@strawberry.input
class CreateUploadInput:
    filename: str


@strawberry.input(description="Exactly one of the two.")
class SignatureInput:
    sigstore_bundle: str | None = strawberry.field(default=None, description="The Sigstore bundle, as JSON.")
    key_signature: str | None = strawberry.field(
        default=None, description="Base64 signature by a registered key (see docs/marketplace.md)."
    )


@strawberry.input
class PublishVersionInput:
    package_id: strawberry.ID
    upload_id: strawberry.ID
    signature: SignatureInput


class UploadedFile(Protocol):
    filename: str | None

    async def read(self, size: int = -1) -> bytes: ...


@strawberry.input
class PublishVersionUploadInput:
    package_id: strawberry.ID
    file: StrawberryUpload = strawberry.field(description="The artifact, as a multipart file part.")
    signature: SignatureInput


@strawberry.input
class ReviewInput:
    version_id: strawberry.ID
    reason: str | None = None


@strawberry.input
class InstallPackageInput:
    package_id: strawberry.ID
    version_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the latest published."
    )


@strawberry.input
class UninstallPackageInput:
    package_id: strawberry.ID


@strawberry.input
class CreateDownloadInput:
    version_id: strawberry.ID


@strawberry.type
class PublisherPayload:
    publisher: Publisher | None
    user_errors: list[MarketplaceError]


@strawberry.type
class SigningIdentityPayload:
    signing_identity: SigningIdentity | None
    user_errors: list[MarketplaceError]


@strawberry.type
class PackagePayload:
    package: Package | None
    user_errors: list[MarketplaceError]


@strawberry.type
class CreateUploadPayload:
    upload: UploadTicket | None
    user_errors: list[MarketplaceError]


@strawberry.type
class VersionPayload:
    version: PackageVersion | None
    user_errors: list[MarketplaceError]


@strawberry.type
class InstallPayload:
    install: Install | None
    user_errors: list[MarketplaceError]


@strawberry.type
class CreateDownloadPayload:
    download: ArtifactDownload | None
    user_errors: list[MarketplaceError]


def _version_payload(outcome: Outcome[models.PackageVersion]) -> VersionPayload:
    return VersionPayload(
        version=PackageVersion.from_model(outcome.result) if outcome.result else None,
        user_errors=market_errors(outcome.user_errors),
    )


def _identity_payload(outcome: Outcome[models.SigningIdentity]) -> SigningIdentityPayload:
    return SigningIdentityPayload(
        signing_identity=SigningIdentity.from_model(outcome.result) if outcome.result else None,
        user_errors=market_errors(outcome.user_errors),
    )


def _install_payload(outcome: Outcome[models.Install]) -> InstallPayload:
    return InstallPayload(
        install=Install.from_model(outcome.result) if outcome.result else None,
        user_errors=market_errors(outcome.user_errors),
    )


# ---------------------------------------------------------------- root fields

_public_argument = strawberry.federation.argument(tags=[PUBLIC])


@strawberry.type
class MarketplaceQuery:
    @strawberry.federation.field(
        description="Search the catalog: public packages, and your organization's own.", tags=[PUBLIC]
    )
    async def marketplace_packages(
        self,
        info: Info[Context, Any],
        query: Annotated[str | None, _public_argument] = None,
        filter: Annotated[CatalogFilter | None, _public_argument] = None,
        sort: Annotated[CatalogSort, _public_argument] = CatalogSort.RELEVANCE,
        first: Annotated[int | None, _public_argument] = None,
        after: Annotated[str | None, _public_argument] = None,
    ) -> PackageSearchResult:
        f = filter or CatalogFilter()
        offset = _offset(after)
        rows, more, total = await resolve.search_packages(
            info.context,
            resolve.CatalogFilter(
                query=query,
                tags=f.tags,
                publisher=f.publisher,
                pricing=f.pricing,
                risk_levels=f.risk_levels,
                verified_only=f.verified,
            ),
            sort.value,
            first,
            offset,
        )
        return PackageSearchResult(
            nodes=[Package.from_model(r) for r in rows],
            page_info=PageInfo(
                has_next_page=more,
                has_previous_page=offset > 0,
                start_cursor=_offset_cursor(offset) if rows else None,
                end_cursor=_offset_cursor(offset + len(rows)) if rows else None,
            ),
            total_count=total,
        )

    @strawberry.federation.field(
        description="A package by `namespace/name`; null when you may not see it.", tags=[PUBLIC]
    )
    async def package(
        self, info: Info[Context, Any], full_name: Annotated[str, _public_argument]
    ) -> Package | None:
        row = await resolve.package_by_name(info.context, full_name)
        return Package.from_model(row) if row else None

    @strawberry.field(
        description="Versions waiting for review that you may review.", extensions=needs("packages:review")
    )
    async def review_queue(
        self,
        info: Info[Context, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PackageVersion]:
        page = await resolve.review_queue(info.context, page_request(first, after, last, before))
        return connection(page, PackageVersion.from_model, lambda m: m.id)

    @strawberry.field(description="Your organization's publisher profile, if it is one.")
    async def my_publisher(self, info: Info[Context, Any]) -> Publisher | None:
        row = await resolve.own_publisher(info.context)
        return Publisher.from_model(row) if row else None

    @strawberry.field(description="Your organization's active installs.", extensions=needs("packages:read"))
    async def installs(self, info: Info[Context, Any]) -> list[Install]:
        return [Install.from_model(r) for r in await resolve.installs(info.context)]


@strawberry.type
class MarketplaceMutation:
    @strawberry.mutation(
        description="Register your organization as a publisher.", extensions=needs("packages:publish")
    )
    async def become_publisher(
        self, info: Info[Context, Any], input: BecomePublisherInput
    ) -> PublisherPayload:
        outcome = await resolve.become_publisher(
            info.context, namespace=input.namespace, display_name=input.display_name
        )
        return PublisherPayload(
            publisher=Publisher.from_model(outcome.result) if outcome.result else None,
            user_errors=market_errors(outcome.user_errors),
        )

    @strawberry.mutation(
        description="Register a Sigstore signing identity.", extensions=needs("packages:publish")
    )
    async def register_sigstore_identity(
        self, info: Info[Context, Any], input: RegisterSigstoreIdentityInput
    ) -> SigningIdentityPayload:
        outcome = await resolve.register_sigstore_identity(
            info.context, name=input.name, issuer=input.issuer, identity=input.identity
        )
        return _identity_payload(outcome)

    @strawberry.mutation(
        description="Register a public key (ECDSA P-256 or Ed25519).", extensions=needs("packages:publish")
    )
    async def register_public_key(
        self, info: Info[Context, Any], input: RegisterPublicKeyInput
    ) -> SigningIdentityPayload:
        outcome = await resolve.register_public_key(
            info.context, name=input.name, public_key=input.public_key
        )
        return _identity_payload(outcome)

    @strawberry.mutation(
        description="Revoke a signing identity; what it signed stays published, marked.",
        extensions=needs("packages:publish"),
    )
    async def revoke_signing_identity(
        self, info: Info[Context, Any], input: RevokeSigningIdentityInput
    ) -> SigningIdentityPayload:
        outcome = await resolve.revoke_identity(
            info.context, identity_id=str(input.identity_id), reason=input.reason
        )
        return _identity_payload(outcome)

    @strawberry.mutation(
        description="Create a package under your namespace.", extensions=needs("packages:publish")
    )
    async def create_package(self, info: Info[Context, Any], input: CreatePackageInput) -> PackagePayload:
        pricing = input.pricing or PricingInput()
        outcome = await resolve.create_package(
            info.context,
            resolve.PackageInput(
                name=input.name,
                title=input.title,
                description=input.description,
                tags=input.tags,
                categories=input.categories,
                visibility=input.visibility,
                license=input.license,
                homepage=input.homepage,
                pricing_model=pricing.model,
                price_amount=pricing.amount,
                price_currency=pricing.currency,
            ),
        )
        return PackagePayload(
            package=Package.from_model(outcome.result) if outcome.result else None,
            user_errors=market_errors(outcome.user_errors),
        )

    @strawberry.mutation(description="Get a URL to PUT an artifact to.", extensions=needs("packages:publish"))
    async def create_upload(self, info: Info[Context, Any], input: CreateUploadInput) -> CreateUploadPayload:
        outcome = await resolve.create_upload(info.context, filename=input.filename)
        ticket = outcome.result
        return CreateUploadPayload(
            upload=UploadTicket(
                upload_id=strawberry.ID(to_global_id("Upload", ticket.upload.id)),
                url=ticket.url,
                method="PUT",
                expires_at=ticket.expires_at,
            )
            if ticket
            else None,
            user_errors=market_errors(outcome.user_errors),
        )

    @strawberry.mutation(
        description="Verify, analyse and submit an uploaded artifact as a new version.",
        extensions=needs("packages:publish"),
    )
    async def publish_version(self, info: Info[Context, Any], input: PublishVersionInput) -> VersionPayload:
        outcome = await resolve.publish_version(
            info.context,
            package_id=str(input.package_id),
            upload_id=str(input.upload_id),
            sigstore_bundle=input.signature.sigstore_bundle,
            key_signature=input.signature.key_signature,
        )
        return _version_payload(outcome)

    @strawberry.mutation(
        description=(
            "Upload an artifact in the request itself (GraphQL multipart request spec) and publish it. "
            "The only operation that accepts multipart; the request needs an `Apollo-Require-Preflight` "
            "or `X-Atom-CSRF` header."
        ),
        extensions=needs("packages:publish"),
    )
    async def publish_version_upload(
        self, info: Info[Context, Any], input: PublishVersionUploadInput
    ) -> VersionPayload:
        file = cast(UploadedFile, input.file)  # the integration hands us a starlette UploadFile
        if not callable(getattr(file, "read", None)):  # a JSON request put a plain value in its place
            return VersionPayload(
                version=None,
                user_errors=[
                    MarketplaceError(
                        field="file",
                        message="Send the artifact as a file part of a multipart request.",
                        code=DomainMarketplaceErrorCode.INVALID,
                    )
                ],
            )
        outcome = await resolve.publish_version_upload(
            info.context,
            package_id=str(input.package_id),
            filename=file.filename or "artifact",
            read=file.read,
            sigstore_bundle=input.signature.sigstore_bundle,
            key_signature=input.signature.key_signature,
        )
        return _version_payload(outcome)

    @strawberry.mutation(
        description="Take a submitted version into review.", extensions=needs("packages:review")
    )
    async def start_review(self, info: Info[Context, Any], input: ReviewInput) -> VersionPayload:
        return _version_payload(
            await resolve.review_step(
                info.context, "start", version_id=str(input.version_id), reason=input.reason
            )
        )

    @strawberry.mutation(
        description="Approve a version; with enough approvals it is published.",
        extensions=needs("packages:review"),
    )
    async def approve_version(self, info: Info[Context, Any], input: ReviewInput) -> VersionPayload:
        return _version_payload(
            await resolve.review_step(
                info.context, "approve", version_id=str(input.version_id), reason=input.reason
            )
        )

    @strawberry.mutation(description="Reject a version, with a reason.", extensions=needs("packages:review"))
    async def reject_version(self, info: Info[Context, Any], input: ReviewInput) -> VersionPayload:
        return _version_payload(
            await resolve.review_step(
                info.context, "reject", version_id=str(input.version_id), reason=input.reason
            )
        )

    @strawberry.mutation(
        description="Withdraw one of your published versions.", extensions=needs("packages:publish")
    )
    async def yank_version(self, info: Info[Context, Any], input: ReviewInput) -> VersionPayload:
        return _version_payload(
            await resolve.review_step(
                info.context, "yank", version_id=str(input.version_id), reason=input.reason
            )
        )

    @strawberry.mutation(
        description="Revoke a published version (platform reviewers).", extensions=needs("packages:review")
    )
    async def revoke_version(self, info: Info[Context, Any], input: ReviewInput) -> VersionPayload:
        return _version_payload(
            await resolve.review_step(
                info.context, "revoke", version_id=str(input.version_id), reason=input.reason
            )
        )

    @strawberry.mutation(
        description="Install or change the installed version.", extensions=needs("packages:install")
    )
    async def install_package(self, info: Info[Context, Any], input: InstallPackageInput) -> InstallPayload:
        outcome = await resolve.install_package(
            info.context,
            package_id=str(input.package_id),
            version_id=str(input.version_id) if input.version_id else None,
        )
        return _install_payload(outcome)

    @strawberry.mutation(description="Uninstall a package.", extensions=needs("packages:install"))
    async def uninstall_package(
        self, info: Info[Context, Any], input: UninstallPackageInput
    ) -> InstallPayload:
        return _install_payload(
            await resolve.uninstall_package(info.context, package_id=str(input.package_id))
        )

    @strawberry.mutation(
        description="A short-lived download link and the digest to check.", extensions=needs("packages:read")
    )
    async def create_download(
        self, info: Info[Context, Any], input: CreateDownloadInput
    ) -> CreateDownloadPayload:
        outcome = await resolve.create_download(info.context, version_id=str(input.version_id))
        link = outcome.result
        return CreateDownloadPayload(
            download=ArtifactDownload(
                url=link.url,
                sha256=link.sha256,
                size=link.size,
                filename=link.filename,
                expires_at=link.expires_at,
            )
            if link
            else None,
            user_errors=market_errors(outcome.user_errors),
        )


__all__ = ["MarketplaceMutation", "MarketplaceQuery", "Organization"]
