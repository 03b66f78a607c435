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


class Nodes(BaseModel):
    nodes: list[
        Optional[
            Annotated[
                Union[
                    "NodesNodesNode",
                    "NodesNodesApiKey",
                    "NodesNodesAuditCheckpoint",
                    "NodesNodesAuditEntry",
                    "NodesNodesBudget",
                    "NodesNodesInstall",
                    "NodesNodesInvoice",
                    "NodesNodesMembership",
                    "NodesNodesMeter",
                    "NodesNodesOrganization",
                    "NodesNodesPackage",
                    "NodesNodesPackageVersion",
                    "NodesNodesPlan",
                    "NodesNodesPolicyVersion",
                    "NodesNodesPublisher",
                    "NodesNodesRole",
                    "NodesNodesSigningIdentity",
                    "NodesNodesUser",
                ],
                Field(discriminator="typename__"),
            ]
        ]
    ]


class NodesNodesNode(BaseModel):
    typename__: Literal["Invitation", "Node", "TrustedIssuer"] = Field(
        alias="__typename"
    )
    id: str


class NodesNodesApiKey(ApiKeyFields):
    typename__: Literal["ApiKey"] = Field(alias="__typename")
    id: str


class NodesNodesAuditCheckpoint(AuditCheckpointFields):
    typename__: Literal["AuditCheckpoint"] = Field(alias="__typename")
    id: str


class NodesNodesAuditEntry(BaseModel):
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


class NodesNodesBudget(BudgetFields):
    typename__: Literal["Budget"] = Field(alias="__typename")
    id: str


class NodesNodesInstall(BaseModel):
    typename__: Literal["Install"] = Field(alias="__typename")
    id: str
    active: bool
    flag: Optional[str]
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime = Field(alias="updatedAt")
    package: Optional["NodesNodesInstallPackage"]
    installed_version: Optional["NodesNodesInstallInstalledVersion"] = Field(
        alias="installedVersion"
    )


NodesNodesInstallPackage = PackageFields


class NodesNodesInstallInstalledVersion(BaseModel):
    id: str
    version: str
    status: VersionStatus
    status_reason: Optional[str] = Field(alias="statusReason")
    sha_256: str = Field(alias="sha256")
    size: int
    published_at: Optional[datetime] = Field(alias="publishedAt")


class NodesNodesInvoice(BaseModel):
    typename__: Literal["Invoice"] = Field(alias="__typename")
    id: str
    invoice_number: str = Field(alias="invoiceNumber")
    invoice_status: InvoiceStatus = Field(alias="invoiceStatus")
    currency: str
    period: str
    period_start: datetime = Field(alias="periodStart")
    period_end: datetime = Field(alias="periodEnd")
    subtotal: "NodesNodesInvoiceSubtotal"
    total: "NodesNodesInvoiceTotal"
    finalized_at: datetime = Field(alias="finalizedAt")
    paid_at: Optional[datetime] = Field(alias="paidAt")
    voided_at: Optional[datetime] = Field(alias="voidedAt")
    void_reason: Optional[str] = Field(alias="voidReason")
    payment_failed_at: Optional[datetime] = Field(alias="paymentFailedAt")
    stripe_invoice_id: Optional[str] = Field(alias="stripeInvoiceId")
    lines: list["NodesNodesInvoiceLines"]


NodesNodesInvoiceSubtotal = MoneyFields
NodesNodesInvoiceTotal = MoneyFields
NodesNodesInvoiceLines = InvoiceLineFields


class NodesNodesMembership(MembershipFields):
    typename__: Literal["Membership"] = Field(alias="__typename")
    id: str


class NodesNodesMeter(MeterFields):
    typename__: Literal["Meter"] = Field(alias="__typename")
    id: str


class NodesNodesOrganization(OrganizationFields):
    typename__: Literal["Organization"] = Field(alias="__typename")
    id: str


class NodesNodesPackage(PackageFields):
    typename__: Literal["Package"] = Field(alias="__typename")
    id: str


class NodesNodesPackageVersion(PackageVersionFields):
    typename__: Literal["PackageVersion"] = Field(alias="__typename")
    id: str


class NodesNodesPlan(PlanFields):
    typename__: Literal["Plan"] = Field(alias="__typename")
    id: str


class NodesNodesPolicyVersion(PolicyVersionFields):
    typename__: Literal["PolicyVersion"] = Field(alias="__typename")
    id: str
    rules: list["NodesNodesPolicyVersionRules"]


NodesNodesPolicyVersionRules = PolicyRuleFields


class NodesNodesPublisher(PublisherFields):
    typename__: Literal["Publisher"] = Field(alias="__typename")
    id: str


class NodesNodesRole(RoleFields):
    typename__: Literal["Role"] = Field(alias="__typename")
    id: str


class NodesNodesSigningIdentity(SigningIdentityFields):
    typename__: Literal["SigningIdentity"] = Field(alias="__typename")
    id: str


class NodesNodesUser(UserFields):
    typename__: Literal["User"] = Field(alias="__typename")
    id: str


Nodes.model_rebuild()
NodesNodesInstall.model_rebuild()
NodesNodesInvoice.model_rebuild()
NodesNodesPolicyVersion.model_rebuild()
