from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import Field

from .base_model import BaseModel
from .enums import (
    AuditDecision,
    AuditErrorCode,
    AuditOutcome,
    AuditRisk,
    AuthErrorCode,
    BillingErrorCode,
    BudgetTarget,
    IdentityKind,
    InvitationStatus,
    InvoiceLineKind,
    InvoiceStatus,
    MarketplaceErrorCode,
    MeterAggregation,
    PriceModel,
    PricingModel,
    SubscriptionStatus,
    TrustedIdentityKind,
    VersionStatus,
    Visibility,
)


class ApiKeyFields(BaseModel):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    roles: list[str]
    created_at: datetime = Field(alias="createdAt")
    expires_at: Optional[datetime] = Field(alias="expiresAt")
    revoked_at: Optional[datetime] = Field(alias="revokedAt")
    last_used_at: Optional[datetime] = Field(alias="lastUsedAt")


class AuditCheckpointFields(BaseModel):
    id: str
    chain: str
    size: int
    root_hash: str = Field(alias="rootHash")
    time: datetime
    key_id: str = Field(alias="keyId")
    signature: str
    statement: str


class AuditEntryFields(BaseModel):
    id: str
    chain: str
    sequence: int
    time: datetime
    actor: str
    action: str
    target: Optional[str]
    decision: AuditDecision
    outcome: AuditOutcome
    risk: AuditRisk
    reason: Optional[str]
    request_id: Optional[str] = Field(alias="requestId")
    client_address: Optional[str] = Field(alias="clientAddress")
    input_digest: Optional[str] = Field(alias="inputDigest")
    prev_hash: str = Field(alias="prevHash")
    entry_hash: str = Field(alias="entryHash")
    target_node: Optional[
        Annotated[
            Union[
                "AuditEntryFieldsTargetNodeNode",
                "AuditEntryFieldsTargetNodeApiKey",
                "AuditEntryFieldsTargetNodeBudget",
                "AuditEntryFieldsTargetNodeInstall",
                "AuditEntryFieldsTargetNodeInvitation",
                "AuditEntryFieldsTargetNodeInvoice",
                "AuditEntryFieldsTargetNodeMembership",
                "AuditEntryFieldsTargetNodeMeter",
                "AuditEntryFieldsTargetNodeOrganization",
                "AuditEntryFieldsTargetNodePackage",
                "AuditEntryFieldsTargetNodePackageVersion",
                "AuditEntryFieldsTargetNodePlan",
                "AuditEntryFieldsTargetNodePolicyVersion",
                "AuditEntryFieldsTargetNodePublisher",
                "AuditEntryFieldsTargetNodeRole",
                "AuditEntryFieldsTargetNodeTrustedIssuer",
                "AuditEntryFieldsTargetNodeUser",
            ],
            Field(discriminator="typename__"),
        ]
    ] = Field(alias="targetNode")


class AuditEntryFieldsTargetNodeNode(BaseModel):
    typename__: Literal["AuditCheckpoint", "AuditEntry", "Node", "SigningIdentity"] = (
        Field(alias="__typename")
    )
    id: str


class AuditEntryFieldsTargetNodeApiKey(BaseModel):
    typename__: Literal["ApiKey"] = Field(alias="__typename")
    id: str
    name: str
    prefix: str


class AuditEntryFieldsTargetNodeBudget(BaseModel):
    typename__: Literal["Budget"] = Field(alias="__typename")
    id: str
    name: str


class AuditEntryFieldsTargetNodeInstall(BaseModel):
    typename__: Literal["Install"] = Field(alias="__typename")
    id: str
    package: Optional["AuditEntryFieldsTargetNodeInstallPackage"]


class AuditEntryFieldsTargetNodeInstallPackage(BaseModel):
    id: str
    full_name: str = Field(alias="fullName")


class AuditEntryFieldsTargetNodeInvitation(BaseModel):
    typename__: Literal["Invitation"] = Field(alias="__typename")
    id: str
    invited_email: str = Field(alias="invitedEmail")


class AuditEntryFieldsTargetNodeInvoice(BaseModel):
    typename__: Literal["Invoice"] = Field(alias="__typename")
    id: str
    invoice_number: str = Field(alias="invoiceNumber")


class AuditEntryFieldsTargetNodeMembership(BaseModel):
    typename__: Literal["Membership"] = Field(alias="__typename")
    id: str
    user: Optional["AuditEntryFieldsTargetNodeMembershipUser"]


class AuditEntryFieldsTargetNodeMembershipUser(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")
    email: Optional[str]


class AuditEntryFieldsTargetNodeMeter(BaseModel):
    typename__: Literal["Meter"] = Field(alias="__typename")
    id: str
    key: str
    name: str


class AuditEntryFieldsTargetNodeOrganization(BaseModel):
    typename__: Literal["Organization"] = Field(alias="__typename")
    id: str
    slug: str
    name: str


class AuditEntryFieldsTargetNodePackage(BaseModel):
    typename__: Literal["Package"] = Field(alias="__typename")
    id: str
    full_name: str = Field(alias="fullName")


class AuditEntryFieldsTargetNodePackageVersion(BaseModel):
    typename__: Literal["PackageVersion"] = Field(alias="__typename")
    id: str
    version: str
    package: Optional["AuditEntryFieldsTargetNodePackageVersionPackage"]


class AuditEntryFieldsTargetNodePackageVersionPackage(BaseModel):
    id: str
    full_name: str = Field(alias="fullName")


class AuditEntryFieldsTargetNodePlan(BaseModel):
    typename__: Literal["Plan"] = Field(alias="__typename")
    id: str
    key: str
    name: str


class AuditEntryFieldsTargetNodePolicyVersion(BaseModel):
    typename__: Literal["PolicyVersion"] = Field(alias="__typename")
    id: str
    policy_number: int = Field(alias="policyNumber")


class AuditEntryFieldsTargetNodePublisher(BaseModel):
    typename__: Literal["Publisher"] = Field(alias="__typename")
    id: str
    namespace: str
    display_name: str = Field(alias="displayName")


class AuditEntryFieldsTargetNodeRole(BaseModel):
    typename__: Literal["Role"] = Field(alias="__typename")
    id: str
    name: str


class AuditEntryFieldsTargetNodeTrustedIssuer(BaseModel):
    typename__: Literal["TrustedIssuer"] = Field(alias="__typename")
    id: str
    name: str
    issuer: str


class AuditEntryFieldsTargetNodeUser(BaseModel):
    typename__: Literal["User"] = Field(alias="__typename")
    id: str
    display_name: str = Field(alias="displayName")
    email: Optional[str]


class AuditErrorFields(BaseModel):
    field: Optional[str]
    message: str
    code: AuditErrorCode


class AuthErrorFields(BaseModel):
    field: Optional[str]
    message: str
    code: AuthErrorCode


class OrganizationFields(BaseModel):
    id: str
    slug: str
    name: str
    created_at: datetime = Field(alias="createdAt")
    platform_operator: bool = Field(alias="platformOperator")
    marketplace_reviewer: bool = Field(alias="marketplaceReviewer")


class UserFields(BaseModel):
    id: str
    display_name: str = Field(alias="displayName")
    email: Optional[str]
    created_at: datetime = Field(alias="createdAt")


class AuthSessionFields(BaseModel):
    access_token: str = Field(alias="accessToken")
    access_token_expires_at: datetime = Field(alias="accessTokenExpiresAt")
    refresh_token: str = Field(alias="refreshToken")
    refresh_token_expires_at: datetime = Field(alias="refreshTokenExpiresAt")
    user: "AuthSessionFieldsUser"
    organization: Optional["AuthSessionFieldsOrganization"]


class AuthSessionFieldsUser(UserFields):
    pass


class AuthSessionFieldsOrganization(OrganizationFields):
    pass


class BillingErrorFields(BaseModel):
    field: Optional[str]
    message: str
    code: BillingErrorCode


class MeterFields(BaseModel):
    id: str
    key: str
    name: str
    unit: str
    aggregation: MeterAggregation
    property_: Optional[str] = Field(alias="property")
    filter_: Any = Field(alias="filter")
    builtin: bool


class BudgetFields(BaseModel):
    id: str
    name: str
    target: BudgetTarget
    threshold: Decimal
    hard_limit: bool = Field(alias="hardLimit")
    created_at: datetime = Field(alias="createdAt")
    meter: Optional["BudgetFieldsMeter"]
    alerts: list["BudgetFieldsAlerts"]


class BudgetFieldsMeter(MeterFields):
    pass


class BudgetFieldsAlerts(BaseModel):
    period: str
    value: Decimal
    threshold: Decimal
    occurred_at: datetime = Field(alias="occurredAt")


class PackageFields(BaseModel):
    id: str
    full_name: str = Field(alias="fullName")
    name: str
    title: str
    description: str
    tags: list[str]
    categories: list[str]
    visibility: Visibility
    license: Optional[str]
    homepage: Optional[str]
    pricing: "PackageFieldsPricing"
    install_count: int = Field(alias="installCount")
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime = Field(alias="updatedAt")
    publisher: Optional["PackageFieldsPublisher"]
    latest_version: Optional["PackageFieldsLatestVersion"] = Field(
        alias="latestVersion"
    )


class PackageFieldsPricing(BaseModel):
    model: PricingModel
    amount: int
    currency: Optional[str]


class PackageFieldsPublisher(BaseModel):
    id: str
    namespace: str
    display_name: str = Field(alias="displayName")


class PackageFieldsLatestVersion(BaseModel):
    id: str
    version: str
    status: VersionStatus


class InstallFields(BaseModel):
    id: str
    active: bool
    flag: Optional[str]
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime = Field(alias="updatedAt")
    package: Optional["InstallFieldsPackage"]
    version: Optional["InstallFieldsVersion"]


class InstallFieldsPackage(PackageFields):
    pass


class InstallFieldsVersion(BaseModel):
    id: str
    version: str
    status: VersionStatus
    status_reason: Optional[str] = Field(alias="statusReason")
    sha_256: str = Field(alias="sha256")
    size: int
    published_at: Optional[datetime] = Field(alias="publishedAt")


class InvitationFields(BaseModel):
    id: str
    email: str
    role: str
    status: InvitationStatus
    created_at: datetime = Field(alias="createdAt")
    expires_at: datetime = Field(alias="expiresAt")
    accepted_at: Optional[datetime] = Field(alias="acceptedAt")
    revoked_at: Optional[datetime] = Field(alias="revokedAt")


class MoneyFields(BaseModel):
    amount: int
    currency: str


class InvoiceLineFields(BaseModel):
    kind: InvoiceLineKind
    description: str
    period_start: datetime = Field(alias="periodStart")
    period_end: datetime = Field(alias="periodEnd")
    quantity: Decimal
    amount: "InvoiceLineFieldsAmount"
    publisher_share: "InvoiceLineFieldsPublisherShare" = Field(alias="publisherShare")
    meter: Optional["InvoiceLineFieldsMeter"]
    package: Optional["InvoiceLineFieldsPackage"]


class InvoiceLineFieldsAmount(MoneyFields):
    pass


class InvoiceLineFieldsPublisherShare(MoneyFields):
    pass


class InvoiceLineFieldsMeter(BaseModel):
    id: str
    key: str
    name: str
    unit: str


class InvoiceLineFieldsPackage(BaseModel):
    id: str
    full_name: str = Field(alias="fullName")
    title: str


class InvoiceFields(BaseModel):
    id: str
    number: str
    status: InvoiceStatus
    currency: str
    period: str
    period_start: datetime = Field(alias="periodStart")
    period_end: datetime = Field(alias="periodEnd")
    subtotal: "InvoiceFieldsSubtotal"
    total: "InvoiceFieldsTotal"
    finalized_at: datetime = Field(alias="finalizedAt")
    paid_at: Optional[datetime] = Field(alias="paidAt")
    voided_at: Optional[datetime] = Field(alias="voidedAt")
    void_reason: Optional[str] = Field(alias="voidReason")
    payment_failed_at: Optional[datetime] = Field(alias="paymentFailedAt")
    stripe_invoice_id: Optional[str] = Field(alias="stripeInvoiceId")
    lines: list["InvoiceFieldsLines"]


class InvoiceFieldsSubtotal(MoneyFields):
    pass


class InvoiceFieldsTotal(MoneyFields):
    pass


class InvoiceFieldsLines(InvoiceLineFields):
    pass


class MarketplaceErrorFields(BaseModel):
    field: Optional[str]
    message: str
    code: MarketplaceErrorCode


class MembershipFields(BaseModel):
    id: str
    created_at: datetime = Field(alias="createdAt")
    roles: list[str]
    user: Optional["MembershipFieldsUser"]
    organization: Optional["MembershipFieldsOrganization"]


class MembershipFieldsUser(UserFields):
    pass


class MembershipFieldsOrganization(OrganizationFields):
    pass


class SigningIdentityFields(BaseModel):
    id: str
    kind: IdentityKind
    name: str
    issuer: Optional[str]
    identity: Optional[str]
    public_key: Optional[str] = Field(alias="publicKey")
    key_algorithm: Optional[str] = Field(alias="keyAlgorithm")
    key_fingerprint: Optional[str] = Field(alias="keyFingerprint")
    created_at: datetime = Field(alias="createdAt")
    revoked_at: Optional[datetime] = Field(alias="revokedAt")
    revoked_reason: Optional[str] = Field(alias="revokedReason")


class PackageVersionFields(BaseModel):
    id: str
    version: str
    status: VersionStatus
    status_reason: Optional[str] = Field(alias="statusReason")
    sha_256: str = Field(alias="sha256")
    size: int
    format: str
    manifest: Any
    approvals_required: int = Field(alias="approvalsRequired")
    created_at: datetime = Field(alias="createdAt")
    published_at: Optional[datetime] = Field(alias="publishedAt")
    package: Optional["PackageVersionFieldsPackage"]
    verification: "PackageVersionFieldsVerification"
    analysis: "PackageVersionFieldsAnalysis"
    transitions: list["PackageVersionFieldsTransitions"]


class PackageVersionFieldsPackage(BaseModel):
    id: str
    full_name: str = Field(alias="fullName")
    title: str
    visibility: Visibility


class PackageVersionFieldsVerification(BaseModel):
    method: str
    identity: Optional[str]
    issuer: Optional[str]
    transparency_log_index: Optional[int] = Field(alias="transparencyLogIndex")
    integrated_time: Optional[datetime] = Field(alias="integratedTime")
    key_fingerprint: Optional[str] = Field(alias="keyFingerprint")
    signing_identity: Optional["PackageVersionFieldsVerificationSigningIdentity"] = (
        Field(alias="signingIdentity")
    )


class PackageVersionFieldsVerificationSigningIdentity(SigningIdentityFields):
    pass


class PackageVersionFieldsAnalysis(BaseModel):
    score: float
    level: str
    rules_version: str = Field(alias="rulesVersion")
    requires_manual_review: bool = Field(alias="requiresManualReview")
    violations: list["PackageVersionFieldsAnalysisViolations"]


class PackageVersionFieldsAnalysisViolations(BaseModel):
    rule: str
    policy: str
    severity: str
    message: str
    path: Optional[str]


class PackageVersionFieldsTransitions(BaseModel):
    from_status: Optional[VersionStatus] = Field(alias="fromStatus")
    to_status: VersionStatus = Field(alias="toStatus")
    actor: str
    reason: Optional[str]
    created_at: datetime = Field(alias="createdAt")


class PageInfoFields(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    has_previous_page: bool = Field(alias="hasPreviousPage")
    start_cursor: Optional[str] = Field(alias="startCursor")
    end_cursor: Optional[str] = Field(alias="endCursor")


class PlanFields(BaseModel):
    id: str
    key: str
    name: str
    currency: str
    active: bool
    monthly_fee: "PlanFieldsMonthlyFee" = Field(alias="monthlyFee")
    prices: list["PlanFieldsPrices"]


class PlanFieldsMonthlyFee(MoneyFields):
    pass


class PlanFieldsPrices(BaseModel):
    meter: "PlanFieldsPricesMeter"
    model: PriceModel
    unit_amount: Optional[Decimal] = Field(alias="unitAmount")
    tiers: list["PlanFieldsPricesTiers"]
    package_size: Optional[Decimal] = Field(alias="packageSize")
    package_amount: Optional[Decimal] = Field(alias="packageAmount")
    included_quantity: Decimal = Field(alias="includedQuantity")


class PlanFieldsPricesMeter(MeterFields):
    pass


class PlanFieldsPricesTiers(BaseModel):
    up_to: Optional[Decimal] = Field(alias="upTo")
    unit_amount: Decimal = Field(alias="unitAmount")
    flat_amount: Decimal = Field(alias="flatAmount")


class PlanSubscriptionFields(BaseModel):
    id: str
    status: SubscriptionStatus
    started_at: datetime = Field(alias="startedAt")
    ended_at: Optional[datetime] = Field(alias="endedAt")
    plan: "PlanSubscriptionFieldsPlan"


class PlanSubscriptionFieldsPlan(PlanFields):
    pass


class PolicyRuleFields(BaseModel):
    ptype: str
    subject: str
    domain: str
    resource: Optional[str]
    action: Optional[str]
    role: Optional[str]


class PolicyVersionFields(BaseModel):
    id: str
    number: int
    content_hash: str = Field(alias="contentHash")
    created_at: datetime = Field(alias="createdAt")
    created_by: str = Field(alias="createdBy")
    summary: str


class PublisherFields(BaseModel):
    id: str
    namespace: str
    display_name: str = Field(alias="displayName")
    created_at: datetime = Field(alias="createdAt")


class RoleFields(BaseModel):
    id: str
    name: str
    description: str
    builtin: bool
    permissions: list[str]


class TrustedIssuerFields(BaseModel):
    id: str
    name: str
    issuer: str
    jwks_url: Optional[str] = Field(alias="jwksUrl")
    jwks: Optional[str]
    audience: str
    identity: TrustedIdentityKind
    subject_claim: str = Field(alias="subjectClaim")
    user_claim: str = Field(alias="userClaim")
    roles_claim: str = Field(alias="rolesClaim")
    allowed_roles: list[str] = Field(alias="allowedRoles")
    default_roles: list[str] = Field(alias="defaultRoles")
    required_claims: list["TrustedIssuerFieldsRequiredClaims"] = Field(
        alias="requiredClaims"
    )
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime = Field(alias="updatedAt")


class TrustedIssuerFieldsRequiredClaims(BaseModel):
    claim: str
    value: str


class UploadTicketFields(BaseModel):
    upload_id: str = Field(alias="uploadId")
    url: str
    method: str
    expires_at: datetime = Field(alias="expiresAt")


ApiKeyFields.model_rebuild()
AuditCheckpointFields.model_rebuild()
AuditEntryFields.model_rebuild()
AuditErrorFields.model_rebuild()
AuthErrorFields.model_rebuild()
OrganizationFields.model_rebuild()
UserFields.model_rebuild()
AuthSessionFields.model_rebuild()
BillingErrorFields.model_rebuild()
MeterFields.model_rebuild()
BudgetFields.model_rebuild()
PackageFields.model_rebuild()
InstallFields.model_rebuild()
InvitationFields.model_rebuild()
MoneyFields.model_rebuild()
InvoiceLineFields.model_rebuild()
InvoiceFields.model_rebuild()
MarketplaceErrorFields.model_rebuild()
MembershipFields.model_rebuild()
SigningIdentityFields.model_rebuild()
PackageVersionFields.model_rebuild()
PageInfoFields.model_rebuild()
PlanFields.model_rebuild()
PlanSubscriptionFields.model_rebuild()
PolicyRuleFields.model_rebuild()
PolicyVersionFields.model_rebuild()
PublisherFields.model_rebuild()
RoleFields.model_rebuild()
TrustedIssuerFields.model_rebuild()
UploadTicketFields.model_rebuild()
