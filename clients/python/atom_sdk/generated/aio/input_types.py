from datetime import datetime
from decimal import Decimal
from typing import Any, Optional

from pydantic import Field

from .base_model import BaseModel, Upload
from .enums import (
    AuditRisk,
    MeterAggregation,
    PriceModel,
    PricingModel,
    TrustedIdentityKind,
    Visibility,
)


class AcceptInvitationInput(BaseModel):
    token: str


class AuditLogFilter(BaseModel):
    """Narrow the audit log. All given conditions must hold."""

    platform: bool = False
    "The platform chain instead of your organization's (platform operator only)."
    actor: Optional[str] = None
    action: Optional[str] = None
    target: Optional[str] = None
    minimum_risk: Optional[AuditRisk] = Field(alias="minimumRisk", default=None)
    from_: Optional[datetime] = Field(alias="from", default=None)
    to: Optional[datetime] = None


class BecomePublisherInput(BaseModel):
    namespace: str
    display_name: str = Field(alias="displayName")


class CatalogFilter(BaseModel):
    """Catalog filters; all given ones must hold."""

    tags: list[str] = Field(default_factory=lambda: [])
    publisher: Optional[str] = None
    "A publisher's namespace."
    pricing: Optional[PricingModel] = None
    risk_levels: list[str] = Field(alias="riskLevels", default_factory=lambda: [])
    "Of the latest published version."
    verified: bool = False
    "Only packages with a published, verified version."


class ClaimConditionInput(BaseModel):
    """A claim a token must carry with this value."""

    claim: str
    value: str


class CreateApiKeyInput(BaseModel):
    name: str
    scopes: list[str]
    "Permissions the key may use; narrows its roles."
    roles: list[str] = Field(default_factory=lambda: ["developer"])
    expires_at: Optional[datetime] = Field(alias="expiresAt", default=None)


class CreateAuditCheckpointInput(BaseModel):
    platform: bool = False


class CreateBudgetInput(BaseModel):
    name: str
    meter: Optional[str] = None
    "A meter key; omit for the amount due."
    threshold: Decimal
    "Meter units, or minor units of the amount due."
    hard_limit: bool = Field(alias="hardLimit", default=False)


class CreateDownloadInput(BaseModel):
    version_id: str = Field(alias="versionId")


class CreateMeterInput(BaseModel):
    key: str
    name: str
    unit: str
    aggregation: MeterAggregation
    property_: Optional[str] = Field(alias="property", default=None)
    filter_: Optional[Any] = Field(alias="filter", default=None)


class CreateOrganizationInput(BaseModel):
    name: str
    slug: str


class CreatePackageInput(BaseModel):
    name: str
    title: str
    description: str = ""
    tags: list[str] = Field(default_factory=lambda: [])
    categories: list[str] = Field(default_factory=lambda: [])
    visibility: Visibility = Visibility.PUBLIC
    license: Optional[str] = None
    homepage: Optional[str] = None
    pricing: Optional["PricingInput"] = None


class CreatePlanInput(BaseModel):
    key: str
    name: str
    currency: str
    monthly_fee: int = Field(alias="monthlyFee")
    prices: list["MeterPriceInput"]


class CreateRoleInput(BaseModel):
    name: str
    description: str = ""
    permissions: list[str] = Field(default_factory=lambda: [])


class CreateUploadInput(BaseModel):
    filename: str


class DeleteBudgetInput(BaseModel):
    budget_id: str = Field(alias="budgetId")


class FinalizeInvoiceInput(BaseModel):
    organization_id: str = Field(alias="organizationId")
    period: str
    "YYYY-MM; the period must have ended."


class InstallPackageInput(BaseModel):
    package_id: str = Field(alias="packageId")
    version_id: Optional[str] = Field(alias="versionId", default=None)
    "Default: the latest published."


class InviteMemberInput(BaseModel):
    email: str
    role: str = "developer"


class LogInInput(BaseModel):
    email: str
    password: str
    organization_slug: Optional[str] = Field(alias="organizationSlug", default=None)
    "The organization to act for; defaults to the user's first."


class LogOutInput(BaseModel):
    refresh_token: str = Field(alias="refreshToken")


class MarkInvoicePaidInput(BaseModel):
    invoice_id: str = Field(alias="invoiceId")


class MeterPriceInput(BaseModel):
    meter: str
    model: PriceModel
    unit_amount: Optional[Decimal] = Field(alias="unitAmount", default=None)
    tiers: Optional[list["PriceTierInput"]] = None
    package_size: Optional[Decimal] = Field(alias="packageSize", default=None)
    package_amount: Optional[Decimal] = Field(alias="packageAmount", default=None)
    included_quantity: Decimal = Field(alias="includedQuantity", default="0")


class PriceTierInput(BaseModel):
    up_to: Optional[Decimal] = Field(alias="upTo", default=None)
    unit_amount: Decimal = Field(alias="unitAmount", default="0")
    flat_amount: Decimal = Field(alias="flatAmount", default="0")


class PricingInput(BaseModel):
    model: PricingModel = PricingModel.FREE
    amount: int = 0
    currency: Optional[str] = None


class PublishVersionInput(BaseModel):
    package_id: str = Field(alias="packageId")
    upload_id: str = Field(alias="uploadId")
    signature: "SignatureInput"


class PublishVersionUploadInput(BaseModel):
    package_id: str = Field(alias="packageId")
    file: Upload
    "The artifact, as a multipart file part."
    signature: "SignatureInput"


class RefreshTokenInput(BaseModel):
    refresh_token: str = Field(alias="refreshToken")
    organization_slug: Optional[str] = Field(alias="organizationSlug", default=None)
    "Switch organization on refresh."


class RegisterPublicKeyInput(BaseModel):
    name: str
    public_key: str = Field(alias="publicKey")
    "PEM: ECDSA P-256 (cosign) or Ed25519."


class RegisterSigstoreIdentityInput(BaseModel):
    name: str
    issuer: str
    "OIDC issuer, e.g. https://token.actions.githubusercontent.com"
    identity: str
    "Certificate identity: a workflow URI or an e-mail address."


class RemoveMemberInput(BaseModel):
    membership_id: str = Field(alias="membershipId")


class RemoveTrustedIssuerInput(BaseModel):
    trusted_issuer_id: str = Field(alias="trustedIssuerId")


class ReportUsageInput(BaseModel):
    events: list["UsageEventInput"]
    "1 to 1,000 events; all or nothing."


class ReviewInput(BaseModel):
    version_id: str = Field(alias="versionId")
    reason: Optional[str] = None


class RevokeApiKeyInput(BaseModel):
    api_key_id: str = Field(alias="apiKeyId")


class RevokeSigningIdentityInput(BaseModel):
    identity_id: str = Field(alias="identityId")
    reason: str


class RoleAssignmentInput(BaseModel):
    subject_id: str = Field(alias="subjectId")
    "A Membership, User or ApiKey ID."
    role: str


class RolePermissionInput(BaseModel):
    role: str
    permission: str


class SetPlanActiveInput(BaseModel):
    plan: str
    active: bool


class SignUpInput(BaseModel):
    email: str
    password: str
    display_name: Optional[str] = Field(alias="displayName", default=None)
    organization_name: Optional[str] = Field(alias="organizationName", default=None)
    "Also create an organization."
    organization_slug: Optional[str] = Field(alias="organizationSlug", default=None)


class SignatureInput(BaseModel):
    """Exactly one of the two."""

    sigstore_bundle: Optional[str] = Field(alias="sigstoreBundle", default=None)
    "The Sigstore bundle, as JSON."
    key_signature: Optional[str] = Field(alias="keySignature", default=None)
    "Base64 signature by a registered key (see docs/marketplace.md)."


class SubscribeInput(BaseModel):
    plan: str
    "The plan's key."
    billing_email: Optional[str] = Field(alias="billingEmail", default=None)


class TrustedIssuerInput(BaseModel):
    """An issuer to trust: where its keys are, what its tokens must say, what they map to."""

    name: str
    issuer: str
    "The exact `iss` of its tokens (an https URL)."
    audience: str
    "The `aud` its tokens must carry."
    jwks_url: Optional[str] = Field(alias="jwksUrl", default=None)
    "Its JWKS endpoint; for a peer ATOM region `<url>/.well-known/jwks.json`."
    jwks: Optional[str] = None
    "Or its public keys inline, a JWKS as JSON."
    identity: TrustedIdentityKind = TrustedIdentityKind.SERVICE
    subject_claim: str = Field(alias="subjectClaim", default="sub")
    user_claim: str = Field(alias="userClaim", default="email")
    "USER identities: a member's e-mail."
    roles_claim: str = Field(alias="rolesClaim", default="roles")
    "A claim name, or a dotted path such as `realm_access.roles`."
    allowed_roles: list[str] = Field(alias="allowedRoles")
    "Roles its tokens may act with; you must hold them."
    default_roles: list[str] = Field(alias="defaultRoles", default_factory=lambda: [])
    required_claims: list["ClaimConditionInput"] = Field(
        alias="requiredClaims", default_factory=lambda: []
    )
    "Claims a token must carry, e.g. a peer region's `org` (advised for shared issuers)."


class UninstallPackageInput(BaseModel):
    package_id: str = Field(alias="packageId")


class UpdateTrustedIssuerInput(BaseModel):
    trusted_issuer_id: str = Field(alias="trustedIssuerId")
    trust: "TrustedIssuerInput"
    "The whole new definition."


class UsageEventInput(BaseModel):
    """One usage event. A repeated idempotency key with the same content is counted once."""

    meter: str
    quantity: Decimal
    "Non-negative, at most 6 decimal places."
    timestamp: datetime
    "When it happened, with a UTC offset."
    idempotency_key: str = Field(alias="idempotencyKey")
    "1 to 128 printable ASCII characters, unique per event."
    properties: Optional[Any] = None
    "String values, e.g. {package: ns/name}."


class VoidInvoiceInput(BaseModel):
    invoice_id: str = Field(alias="invoiceId")
    reason: Optional[str] = None


CreatePackageInput.model_rebuild()
CreatePlanInput.model_rebuild()
MeterPriceInput.model_rebuild()
PublishVersionInput.model_rebuild()
PublishVersionUploadInput.model_rebuild()
ReportUsageInput.model_rebuild()
TrustedIssuerInput.model_rebuild()
UpdateTrustedIssuerInput.model_rebuild()
