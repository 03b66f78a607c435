from datetime import datetime
from typing import Annotated, Literal, Optional, Union

from pydantic import Field

from .base_model import BaseModel
from .enums import AuditDecision, AuditOutcome, AuditRisk, InvoiceStatus, VersionStatus
from .fragments import (  # noqa: F401
    ApiKeyFields,
    AuditCheckpointFields,
    BudgetFields,
    BudgetFieldsAlerts,
    BudgetFieldsMeter,
    InvoiceLineFields,
    MembershipFields,
    MembershipFieldsOrganization,
    MembershipFieldsUser,
    MeterFields,
    MoneyFields,
    OrganizationFields,
    PackageFields,
    PackageFieldsLatestVersion,
    PackageFieldsPricing,
    PackageFieldsPublisher,
    PackageVersionFields,
    PackageVersionFieldsAnalysis,
    PackageVersionFieldsPackage,
    PackageVersionFieldsTransitions,
    PackageVersionFieldsVerification,
    PlanFields,
    PlanFieldsMonthlyFee,
    PlanFieldsPrices,
    PolicyRuleFields,
    PolicyVersionFields,
    PublisherFields,
    RoleFields,
    SigningIdentityFields,
    UserFields,
)


class Node(BaseModel):
    node: Optional[
        Annotated[
            Union[
                "NodeNodeNode",
                "NodeNodeApiKey",
                "NodeNodeAuditCheckpoint",
                "NodeNodeAuditEntry",
                "NodeNodeBudget",
                "NodeNodeInstall",
                "NodeNodeInvoice",
                "NodeNodeMembership",
                "NodeNodeMeter",
                "NodeNodeOrganization",
                "NodeNodePackage",
                "NodeNodePackageVersion",
                "NodeNodePlan",
                "NodeNodePolicyVersion",
                "NodeNodePublisher",
                "NodeNodeRole",
                "NodeNodeSigningIdentity",
                "NodeNodeUser",
            ],
            Field(discriminator="typename__"),
        ]
    ]


class NodeNodeNode(BaseModel):
    typename__: Literal["Invitation", "Node", "TrustedIssuer"] = Field(
        alias="__typename"
    )
    id: str


class NodeNodeApiKey(ApiKeyFields):
    typename__: Literal["ApiKey"] = Field(alias="__typename")
    id: str


class NodeNodeAuditCheckpoint(AuditCheckpointFields):
    typename__: Literal["AuditCheckpoint"] = Field(alias="__typename")
    id: str


class NodeNodeAuditEntry(BaseModel):
    typename__: Literal["AuditEntry"] = Field(alias="__typename")
    id: str
    chain: str
    sequence: int
    time: datetime
    actor: str
    action: str
    audit_target: Optional[str] = Field(alias="auditTarget")
    decision: AuditDecision
    outcome: AuditOutcome
    risk: AuditRisk
    reason: Optional[str]
    request_id: Optional[str] = Field(alias="requestId")
    client_address: Optional[str] = Field(alias="clientAddress")
    input_digest: Optional[str] = Field(alias="inputDigest")
    prev_hash: str = Field(alias="prevHash")
    entry_hash: str = Field(alias="entryHash")


class NodeNodeBudget(BudgetFields):
    typename__: Literal["Budget"] = Field(alias="__typename")
    id: str


class NodeNodeInstall(BaseModel):
    typename__: Literal["Install"] = Field(alias="__typename")
    id: str
    active: bool
    flag: Optional[str]
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime = Field(alias="updatedAt")
    package: Optional["NodeNodeInstallPackage"]
    installed_version: Optional["NodeNodeInstallInstalledVersion"] = Field(
        alias="installedVersion"
    )


NodeNodeInstallPackage = PackageFields


class NodeNodeInstallInstalledVersion(BaseModel):
    id: str
    version: str
    status: VersionStatus
    status_reason: Optional[str] = Field(alias="statusReason")
    sha_256: str = Field(alias="sha256")
    size: int
    published_at: Optional[datetime] = Field(alias="publishedAt")


class NodeNodeInvoice(BaseModel):
    typename__: Literal["Invoice"] = Field(alias="__typename")
    id: str
    invoice_number: str = Field(alias="invoiceNumber")
    invoice_status: InvoiceStatus = Field(alias="invoiceStatus")
    currency: str
    period: str
    period_start: datetime = Field(alias="periodStart")
    period_end: datetime = Field(alias="periodEnd")
    subtotal: "NodeNodeInvoiceSubtotal"
    total: "NodeNodeInvoiceTotal"
    finalized_at: datetime = Field(alias="finalizedAt")
    paid_at: Optional[datetime] = Field(alias="paidAt")
    voided_at: Optional[datetime] = Field(alias="voidedAt")
    void_reason: Optional[str] = Field(alias="voidReason")
    payment_failed_at: Optional[datetime] = Field(alias="paymentFailedAt")
    stripe_invoice_id: Optional[str] = Field(alias="stripeInvoiceId")
    lines: list["NodeNodeInvoiceLines"]


NodeNodeInvoiceSubtotal = MoneyFields
NodeNodeInvoiceTotal = MoneyFields
NodeNodeInvoiceLines = InvoiceLineFields


class NodeNodeMembership(MembershipFields):
    typename__: Literal["Membership"] = Field(alias="__typename")
    id: str


class NodeNodeMeter(MeterFields):
    typename__: Literal["Meter"] = Field(alias="__typename")
    id: str


class NodeNodeOrganization(OrganizationFields):
    typename__: Literal["Organization"] = Field(alias="__typename")
    id: str


class NodeNodePackage(PackageFields):
    typename__: Literal["Package"] = Field(alias="__typename")
    id: str


class NodeNodePackageVersion(PackageVersionFields):
    typename__: Literal["PackageVersion"] = Field(alias="__typename")
    id: str


class NodeNodePlan(PlanFields):
    typename__: Literal["Plan"] = Field(alias="__typename")
    id: str


class NodeNodePolicyVersion(PolicyVersionFields):
    typename__: Literal["PolicyVersion"] = Field(alias="__typename")
    id: str
    rules: list["NodeNodePolicyVersionRules"]


NodeNodePolicyVersionRules = PolicyRuleFields


class NodeNodePublisher(PublisherFields):
    typename__: Literal["Publisher"] = Field(alias="__typename")
    id: str


class NodeNodeRole(RoleFields):
    typename__: Literal["Role"] = Field(alias="__typename")
    id: str


class NodeNodeSigningIdentity(SigningIdentityFields):
    typename__: Literal["SigningIdentity"] = Field(alias="__typename")
    id: str


class NodeNodeUser(UserFields):
    typename__: Literal["User"] = Field(alias="__typename")
    id: str


Node.model_rebuild()
NodeNodeInstall.model_rebuild()
NodeNodeInvoice.model_rebuild()
NodeNodePolicyVersion.model_rebuild()
