from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Optional, Union

from .accept_invitation import AcceptInvitation
from .add_trusted_issuer import AddTrustedIssuer
from .approve_version import ApproveVersion
from .assign_role import AssignRole
from .async_base_client import AsyncBaseClient
from .audit_checkpoints import AuditCheckpoints
from .audit_consistency_proof import AuditConsistencyProof
from .audit_events import AuditEvents
from .audit_inclusion_proof import AuditInclusionProof
from .audit_log import AuditLog
from .authorize import Authorize
from .base_model import UNSET, UnsetType
from .become_publisher import BecomePublisher
from .budget_alerts import BudgetAlerts
from .budgets import Budgets
from .cancel_subscription import CancelSubscription
from .create_api_key import CreateApiKey
from .create_audit_checkpoint import CreateAuditCheckpoint
from .create_budget import CreateBudget
from .create_download import CreateDownload
from .create_meter import CreateMeter
from .create_organization import CreateOrganization
from .create_package import CreatePackage
from .create_plan import CreatePlan
from .create_role import CreateRole
from .create_upload import CreateUpload
from .delete_budget import DeleteBudget
from .enums import CatalogSort, InvoiceStatus, UsageGranularity
from .finalize_invoice import FinalizeInvoice
from .grant_permission import GrantPermission
from .input_types import (
    AcceptInvitationInput,
    AuditLogFilter,
    BecomePublisherInput,
    CatalogFilter,
    CreateApiKeyInput,
    CreateAuditCheckpointInput,
    CreateBudgetInput,
    CreateDownloadInput,
    CreateMeterInput,
    CreateOrganizationInput,
    CreatePackageInput,
    CreatePlanInput,
    CreateRoleInput,
    CreateUploadInput,
    DeleteBudgetInput,
    FinalizeInvoiceInput,
    InstallPackageInput,
    InviteMemberInput,
    LogInInput,
    LogOutInput,
    MarkInvoicePaidInput,
    PublishVersionInput,
    PublishVersionUploadInput,
    RefreshTokenInput,
    RegisterPublicKeyInput,
    RegisterSigstoreIdentityInput,
    RemoveMemberInput,
    RemoveTrustedIssuerInput,
    ReportUsageInput,
    ReviewInput,
    RevokeApiKeyInput,
    RevokeSigningIdentityInput,
    RoleAssignmentInput,
    RolePermissionInput,
    SetPlanActiveInput,
    SignUpInput,
    SubscribeInput,
    TrustedIssuerInput,
    UninstallPackageInput,
    UpdateTrustedIssuerInput,
    VoidInvoiceInput,
)
from .install_package import InstallPackage
from .installs import Installs
from .invite_member import InviteMember
from .invoice_events import InvoiceEvents
from .invoices import Invoices
from .log_in import LogIn
from .log_out import LogOut
from .mark_invoice_paid import MarkInvoicePaid
from .marketplace_activity import MarketplaceActivity
from .marketplace_packages import MarketplacePackages
from .meters import Meters
from .my_publisher import MyPublisher
from .node import Node
from .nodes import Nodes
from .organization import Organization
from .organization_api_keys import OrganizationApiKeys
from .organization_invitations import OrganizationInvitations
from .organization_members import OrganizationMembers
from .organization_policy_versions import OrganizationPolicyVersions
from .organization_trusted_issuers import OrganizationTrustedIssuers
from .package import Package
from .package_status import PackageStatus
from .package_versions import PackageVersions
from .permissions import Permissions
from .plans import Plans
from .policy_diff import PolicyDiff
from .publish_version import PublishVersion
from .publish_version_upload import PublishVersionUpload
from .refresh_token import RefreshToken
from .register_public_key import RegisterPublicKey
from .register_sigstore_identity import RegisterSigstoreIdentity
from .reject_version import RejectVersion
from .remove_member import RemoveMember
from .remove_trusted_issuer import RemoveTrustedIssuer
from .report_usage import ReportUsage
from .revenue_by_month import RevenueByMonth
from .revenue_by_package import RevenueByPackage
from .revenue_by_publisher import RevenueByPublisher
from .review_queue import ReviewQueue
from .revoke_api_key import RevokeApiKey
from .revoke_permission import RevokePermission
from .revoke_signing_identity import RevokeSigningIdentity
from .revoke_version import RevokeVersion
from .set_plan_active import SetPlanActive
from .sign_up import SignUp
from .start_review import StartReview
from .subscribe import Subscribe
from .subscription import Subscription
from .unassign_role import UnassignRole
from .uninstall_package import UninstallPackage
from .upcoming_invoice import UpcomingInvoice
from .update_trusted_issuer import UpdateTrustedIssuer
from .usage_summary import UsageSummary
from .usage_updates import UsageUpdates
from .verify_audit_chain import VerifyAuditChain
from .viewer import Viewer
from .void_invoice import VoidInvoice
from .yank_version import YankVersion


def gql(q: str) -> str:
    return q


class AsyncAtomGraphQLClient(AsyncBaseClient):
    async def audit_log(
        self,
        filter_: Union[Optional[AuditLogFilter], UnsetType] = UNSET,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        last: Union[Optional[int], UnsetType] = UNSET,
        before: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> AuditLog:
        query = gql("""
            query AuditLog($filter: AuditLogFilter, $first: Int, $after: String, $last: Int, $before: String) {
              auditLog(
                filter: $filter
                first: $first
                after: $after
                last: $last
                before: $before
              ) {
                totalCount
                pageInfo {
                  ...PageInfoFields
                }
                nodes {
                  ...AuditEntryFields
                }
              }
            }

            fragment AuditEntryFields on AuditEntry {
              id
              chain
              sequence
              time
              actor
              action
              target
              decision
              outcome
              risk
              reason
              requestId
              clientAddress
              inputDigest
              prevHash
              entryHash
              targetNode {
                ...AuditTargetFields
              }
            }

            fragment AuditTargetFields on Node {
              __typename
              id
              ... on Organization {
                slug
                name
              }
              ... on User {
                displayName
                email
              }
              ... on Membership {
                user {
                  id
                  displayName
                  email
                }
              }
              ... on ApiKey {
                name
                prefix
              }
              ... on Invitation {
                invitedEmail: email
              }
              ... on Role {
                name
              }
              ... on PolicyVersion {
                policyNumber: number
              }
              ... on Publisher {
                namespace
                displayName
              }
              ... on Package {
                fullName
              }
              ... on PackageVersion {
                version
                package {
                  id
                  fullName
                }
              }
              ... on Install {
                package {
                  id
                  fullName
                }
              }
              ... on Meter {
                key
                name
              }
              ... on Plan {
                key
                name
              }
              ... on Invoice {
                invoiceNumber: number
              }
              ... on Budget {
                name
              }
              ... on TrustedIssuer {
                name
                issuer
              }
            }

            fragment PageInfoFields on PageInfo {
              hasNextPage
              hasPreviousPage
              startCursor
              endCursor
            }
            """)
        variables: dict[str, object] = {
            "filter": filter_,
            "first": first,
            "after": after,
            "last": last,
            "before": before,
        }
        response = await self.execute(
            query=query, operation_name="AuditLog", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return AuditLog.model_validate(data)

    async def audit_checkpoints(
        self,
        platform: Union[Optional[bool], UnsetType] = UNSET,
        limit: Union[Optional[int], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> AuditCheckpoints:
        query = gql("""
            query AuditCheckpoints($platform: Boolean, $limit: Int) {
              auditCheckpoints(platform: $platform, limit: $limit) {
                ...AuditCheckpointFields
              }
            }

            fragment AuditCheckpointFields on AuditCheckpoint {
              id
              chain
              size
              rootHash
              time
              keyId
              signature
              statement
            }
            """)
        variables: dict[str, object] = {"platform": platform, "limit": limit}
        response = await self.execute(
            query=query,
            operation_name="AuditCheckpoints",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return AuditCheckpoints.model_validate(data)

    async def audit_inclusion_proof(
        self, entry_id: str, checkpoint: str, **kwargs: Any
    ) -> AuditInclusionProof:
        query = gql("""
            query AuditInclusionProof($entryId: ID!, $checkpoint: ID!) {
              auditInclusionProof(entryId: $entryId, checkpoint: $checkpoint) {
                entry {
                  ...AuditEntryFields
                }
                checkpoint {
                  ...AuditCheckpointFields
                }
                leafIndex
                treeSize
                hashes
              }
            }

            fragment AuditCheckpointFields on AuditCheckpoint {
              id
              chain
              size
              rootHash
              time
              keyId
              signature
              statement
            }

            fragment AuditEntryFields on AuditEntry {
              id
              chain
              sequence
              time
              actor
              action
              target
              decision
              outcome
              risk
              reason
              requestId
              clientAddress
              inputDigest
              prevHash
              entryHash
              targetNode {
                ...AuditTargetFields
              }
            }

            fragment AuditTargetFields on Node {
              __typename
              id
              ... on Organization {
                slug
                name
              }
              ... on User {
                displayName
                email
              }
              ... on Membership {
                user {
                  id
                  displayName
                  email
                }
              }
              ... on ApiKey {
                name
                prefix
              }
              ... on Invitation {
                invitedEmail: email
              }
              ... on Role {
                name
              }
              ... on PolicyVersion {
                policyNumber: number
              }
              ... on Publisher {
                namespace
                displayName
              }
              ... on Package {
                fullName
              }
              ... on PackageVersion {
                version
                package {
                  id
                  fullName
                }
              }
              ... on Install {
                package {
                  id
                  fullName
                }
              }
              ... on Meter {
                key
                name
              }
              ... on Plan {
                key
                name
              }
              ... on Invoice {
                invoiceNumber: number
              }
              ... on Budget {
                name
              }
              ... on TrustedIssuer {
                name
                issuer
              }
            }
            """)
        variables: dict[str, object] = {"entryId": entry_id, "checkpoint": checkpoint}
        response = await self.execute(
            query=query,
            operation_name="AuditInclusionProof",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return AuditInclusionProof.model_validate(data)

    async def audit_consistency_proof(
        self, from_checkpoint: str, to_checkpoint: str, **kwargs: Any
    ) -> AuditConsistencyProof:
        query = gql("""
            query AuditConsistencyProof($fromCheckpoint: ID!, $toCheckpoint: ID!) {
              auditConsistencyProof(
                fromCheckpoint: $fromCheckpoint
                toCheckpoint: $toCheckpoint
              ) {
                fromCheckpoint {
                  ...AuditCheckpointFields
                }
                toCheckpoint {
                  ...AuditCheckpointFields
                }
                hashes
              }
            }

            fragment AuditCheckpointFields on AuditCheckpoint {
              id
              chain
              size
              rootHash
              time
              keyId
              signature
              statement
            }
            """)
        variables: dict[str, object] = {
            "fromCheckpoint": from_checkpoint,
            "toCheckpoint": to_checkpoint,
        }
        response = await self.execute(
            query=query,
            operation_name="AuditConsistencyProof",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return AuditConsistencyProof.model_validate(data)

    async def verify_audit_chain(
        self,
        organization: Union[Optional[str], UnsetType] = UNSET,
        platform: Union[Optional[bool], UnsetType] = UNSET,
        from_: Union[Optional[datetime], UnsetType] = UNSET,
        to: Union[Optional[datetime], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> VerifyAuditChain:
        query = gql("""
            query VerifyAuditChain($organization: ID, $platform: Boolean, $from: DateTime, $to: DateTime) {
              verifyAuditChain(
                organization: $organization
                platform: $platform
                from: $from
                to: $to
              ) {
                ok
                chain
                chainSize
                entriesChecked
                checkpointsChecked
                fromSequence
                toSequence
                firstProblem {
                  kind
                  sequence
                  entryId
                  detail
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "organization": organization,
            "platform": platform,
            "from": from_,
            "to": to,
        }
        response = await self.execute(
            query=query,
            operation_name="VerifyAuditChain",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return VerifyAuditChain.model_validate(data)

    async def create_audit_checkpoint(
        self,
        input: Union[Optional[CreateAuditCheckpointInput], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> CreateAuditCheckpoint:
        query = gql("""
            mutation CreateAuditCheckpoint($input: CreateAuditCheckpointInput) {
              createAuditCheckpoint(input: $input) {
                checkpoint {
                  ...AuditCheckpointFields
                }
                userErrors {
                  ...AuditErrorFields
                }
              }
            }

            fragment AuditCheckpointFields on AuditCheckpoint {
              id
              chain
              size
              rootHash
              time
              keyId
              signature
              statement
            }

            fragment AuditErrorFields on AuditError {
              field
              message
              code
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="CreateAuditCheckpoint",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return CreateAuditCheckpoint.model_validate(data)

    async def sign_up(self, input: SignUpInput, **kwargs: Any) -> SignUp:
        query = gql("""
            mutation SignUp($input: SignUpInput!) {
              signUp(input: $input) {
                session {
                  ...AuthSessionFields
                }
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }

            fragment AuthSessionFields on AuthSession {
              accessToken
              accessTokenExpiresAt
              refreshToken
              refreshTokenExpiresAt
              user {
                ...UserFields
              }
              organization {
                ...OrganizationFields
              }
            }

            fragment OrganizationFields on Organization {
              id
              slug
              name
              createdAt
              platformOperator
              marketplaceReviewer
            }

            fragment UserFields on User {
              id
              displayName
              email
              createdAt
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="SignUp", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return SignUp.model_validate(data)

    async def log_in(self, input: LogInInput, **kwargs: Any) -> LogIn:
        query = gql("""
            mutation LogIn($input: LogInInput!) {
              logIn(input: $input) {
                session {
                  ...AuthSessionFields
                }
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }

            fragment AuthSessionFields on AuthSession {
              accessToken
              accessTokenExpiresAt
              refreshToken
              refreshTokenExpiresAt
              user {
                ...UserFields
              }
              organization {
                ...OrganizationFields
              }
            }

            fragment OrganizationFields on Organization {
              id
              slug
              name
              createdAt
              platformOperator
              marketplaceReviewer
            }

            fragment UserFields on User {
              id
              displayName
              email
              createdAt
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="LogIn", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return LogIn.model_validate(data)

    async def refresh_token(
        self, input: RefreshTokenInput, **kwargs: Any
    ) -> RefreshToken:
        query = gql("""
            mutation RefreshToken($input: RefreshTokenInput!) {
              refreshToken(input: $input) {
                session {
                  ...AuthSessionFields
                }
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }

            fragment AuthSessionFields on AuthSession {
              accessToken
              accessTokenExpiresAt
              refreshToken
              refreshTokenExpiresAt
              user {
                ...UserFields
              }
              organization {
                ...OrganizationFields
              }
            }

            fragment OrganizationFields on Organization {
              id
              slug
              name
              createdAt
              platformOperator
              marketplaceReviewer
            }

            fragment UserFields on User {
              id
              displayName
              email
              createdAt
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="RefreshToken", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RefreshToken.model_validate(data)

    async def log_out(self, input: LogOutInput, **kwargs: Any) -> LogOut:
        query = gql("""
            mutation LogOut($input: LogOutInput!) {
              logOut(input: $input) {
                ok
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="LogOut", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return LogOut.model_validate(data)

    async def viewer(self, **kwargs: Any) -> Viewer:
        query = gql("""
            query Viewer {
              viewer {
                user {
                  ...UserFields
                }
                apiKey {
                  ...ApiKeyFields
                }
                organization {
                  ...OrganizationFields
                }
                organizations {
                  ...OrganizationFields
                }
                memberships {
                  ...MembershipFields
                }
                permissions
              }
            }

            fragment ApiKeyFields on ApiKey {
              id
              name
              prefix
              scopes
              roles
              createdAt
              expiresAt
              revokedAt
              lastUsedAt
            }

            fragment MembershipFields on Membership {
              id
              createdAt
              roles
              user {
                ...UserFields
              }
              organization {
                ...OrganizationFields
              }
            }

            fragment OrganizationFields on Organization {
              id
              slug
              name
              createdAt
              platformOperator
              marketplaceReviewer
            }

            fragment UserFields on User {
              id
              displayName
              email
              createdAt
            }
            """)
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query, operation_name="Viewer", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Viewer.model_validate(data)

    async def permissions(self, **kwargs: Any) -> Permissions:
        query = gql("""
            query Permissions {
              permissions {
                name
                description
              }
            }
            """)
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query, operation_name="Permissions", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Permissions.model_validate(data)

    async def meters(self, **kwargs: Any) -> Meters:
        query = gql("""
            query Meters {
              meters {
                ...MeterFields
              }
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }
            """)
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query, operation_name="Meters", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Meters.model_validate(data)

    async def plans(
        self, include_inactive: Union[Optional[bool], UnsetType] = UNSET, **kwargs: Any
    ) -> Plans:
        query = gql("""
            query Plans($includeInactive: Boolean) {
              plans(includeInactive: $includeInactive) {
                ...PlanFields
              }
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }

            fragment MoneyFields on Money {
              amount
              currency
            }

            fragment PlanFields on Plan {
              id
              key
              name
              currency
              active
              monthlyFee {
                ...MoneyFields
              }
              prices {
                meter {
                  ...MeterFields
                }
                model
                unitAmount
                tiers {
                  upTo
                  unitAmount
                  flatAmount
                }
                packageSize
                packageAmount
                includedQuantity
              }
            }
            """)
        variables: dict[str, object] = {"includeInactive": include_inactive}
        response = await self.execute(
            query=query, operation_name="Plans", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Plans.model_validate(data)

    async def subscription(self, **kwargs: Any) -> Subscription:
        query = gql("""
            query Subscription {
              subscription {
                ...PlanSubscriptionFields
              }
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }

            fragment MoneyFields on Money {
              amount
              currency
            }

            fragment PlanFields on Plan {
              id
              key
              name
              currency
              active
              monthlyFee {
                ...MoneyFields
              }
              prices {
                meter {
                  ...MeterFields
                }
                model
                unitAmount
                tiers {
                  upTo
                  unitAmount
                  flatAmount
                }
                packageSize
                packageAmount
                includedQuantity
              }
            }

            fragment PlanSubscriptionFields on PlanSubscription {
              id
              status
              startedAt
              endedAt
              plan {
                ...PlanFields
              }
            }
            """)
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query, operation_name="Subscription", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Subscription.model_validate(data)

    async def upcoming_invoice(
        self, organization_id: Union[Optional[str], UnsetType] = UNSET, **kwargs: Any
    ) -> UpcomingInvoice:
        query = gql("""
            query UpcomingInvoice($organizationId: ID) {
              upcomingInvoice(organizationId: $organizationId) {
                period
                periodStart
                periodEnd
                currency
                lines {
                  ...InvoiceLineFields
                }
                subtotal {
                  ...MoneyFields
                }
                total {
                  ...MoneyFields
                }
              }
            }

            fragment InvoiceLineFields on InvoiceLine {
              kind
              description
              periodStart
              periodEnd
              quantity
              amount {
                ...MoneyFields
              }
              publisherShare {
                ...MoneyFields
              }
              meter {
                id
                key
                name
                unit
              }
              package {
                id
                fullName
                title
              }
            }

            fragment MoneyFields on Money {
              amount
              currency
            }
            """)
        variables: dict[str, object] = {"organizationId": organization_id}
        response = await self.execute(
            query=query, operation_name="UpcomingInvoice", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return UpcomingInvoice.model_validate(data)

    async def invoices(
        self,
        organization_id: Union[Optional[str], UnsetType] = UNSET,
        status: Union[Optional[InvoiceStatus], UnsetType] = UNSET,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        last: Union[Optional[int], UnsetType] = UNSET,
        before: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> Invoices:
        query = gql("""
            query Invoices($organizationId: ID, $status: InvoiceStatus, $first: Int, $after: String, $last: Int, $before: String) {
              invoices(
                organizationId: $organizationId
                status: $status
                first: $first
                after: $after
                last: $last
                before: $before
              ) {
                totalCount
                pageInfo {
                  ...PageInfoFields
                }
                nodes {
                  ...InvoiceFields
                }
              }
            }

            fragment InvoiceFields on Invoice {
              id
              number
              status
              currency
              period
              periodStart
              periodEnd
              subtotal {
                ...MoneyFields
              }
              total {
                ...MoneyFields
              }
              finalizedAt
              paidAt
              voidedAt
              voidReason
              paymentFailedAt
              stripeInvoiceId
              lines {
                ...InvoiceLineFields
              }
            }

            fragment InvoiceLineFields on InvoiceLine {
              kind
              description
              periodStart
              periodEnd
              quantity
              amount {
                ...MoneyFields
              }
              publisherShare {
                ...MoneyFields
              }
              meter {
                id
                key
                name
                unit
              }
              package {
                id
                fullName
                title
              }
            }

            fragment MoneyFields on Money {
              amount
              currency
            }

            fragment PageInfoFields on PageInfo {
              hasNextPage
              hasPreviousPage
              startCursor
              endCursor
            }
            """)
        variables: dict[str, object] = {
            "organizationId": organization_id,
            "status": status,
            "first": first,
            "after": after,
            "last": last,
            "before": before,
        }
        response = await self.execute(
            query=query, operation_name="Invoices", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Invoices.model_validate(data)

    async def budgets(self, **kwargs: Any) -> Budgets:
        query = gql("""
            query Budgets {
              budgets {
                ...BudgetFields
              }
            }

            fragment BudgetFields on Budget {
              id
              name
              target
              threshold
              hardLimit
              createdAt
              meter {
                ...MeterFields
              }
              alerts {
                period
                value
                threshold
                occurredAt
              }
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }
            """)
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query, operation_name="Budgets", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Budgets.model_validate(data)

    async def create_meter(self, input: CreateMeterInput, **kwargs: Any) -> CreateMeter:
        query = gql("""
            mutation CreateMeter($input: CreateMeterInput!) {
              createMeter(input: $input) {
                meter {
                  ...MeterFields
                }
                userErrors {
                  ...BillingErrorFields
                }
              }
            }

            fragment BillingErrorFields on BillingError {
              field
              message
              code
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="CreateMeter", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreateMeter.model_validate(data)

    async def create_plan(self, input: CreatePlanInput, **kwargs: Any) -> CreatePlan:
        query = gql("""
            mutation CreatePlan($input: CreatePlanInput!) {
              createPlan(input: $input) {
                plan {
                  ...PlanFields
                }
                userErrors {
                  ...BillingErrorFields
                }
              }
            }

            fragment BillingErrorFields on BillingError {
              field
              message
              code
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }

            fragment MoneyFields on Money {
              amount
              currency
            }

            fragment PlanFields on Plan {
              id
              key
              name
              currency
              active
              monthlyFee {
                ...MoneyFields
              }
              prices {
                meter {
                  ...MeterFields
                }
                model
                unitAmount
                tiers {
                  upTo
                  unitAmount
                  flatAmount
                }
                packageSize
                packageAmount
                includedQuantity
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="CreatePlan", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreatePlan.model_validate(data)

    async def set_plan_active(
        self, input: SetPlanActiveInput, **kwargs: Any
    ) -> SetPlanActive:
        query = gql("""
            mutation SetPlanActive($input: SetPlanActiveInput!) {
              setPlanActive(input: $input) {
                plan {
                  ...PlanFields
                }
                userErrors {
                  ...BillingErrorFields
                }
              }
            }

            fragment BillingErrorFields on BillingError {
              field
              message
              code
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }

            fragment MoneyFields on Money {
              amount
              currency
            }

            fragment PlanFields on Plan {
              id
              key
              name
              currency
              active
              monthlyFee {
                ...MoneyFields
              }
              prices {
                meter {
                  ...MeterFields
                }
                model
                unitAmount
                tiers {
                  upTo
                  unitAmount
                  flatAmount
                }
                packageSize
                packageAmount
                includedQuantity
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="SetPlanActive", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return SetPlanActive.model_validate(data)

    async def subscribe(self, input: SubscribeInput, **kwargs: Any) -> Subscribe:
        query = gql("""
            mutation Subscribe($input: SubscribeInput!) {
              subscribe(input: $input) {
                subscription {
                  ...PlanSubscriptionFields
                }
                userErrors {
                  ...BillingErrorFields
                }
              }
            }

            fragment BillingErrorFields on BillingError {
              field
              message
              code
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }

            fragment MoneyFields on Money {
              amount
              currency
            }

            fragment PlanFields on Plan {
              id
              key
              name
              currency
              active
              monthlyFee {
                ...MoneyFields
              }
              prices {
                meter {
                  ...MeterFields
                }
                model
                unitAmount
                tiers {
                  upTo
                  unitAmount
                  flatAmount
                }
                packageSize
                packageAmount
                includedQuantity
              }
            }

            fragment PlanSubscriptionFields on PlanSubscription {
              id
              status
              startedAt
              endedAt
              plan {
                ...PlanFields
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="Subscribe", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Subscribe.model_validate(data)

    async def cancel_subscription(self, **kwargs: Any) -> CancelSubscription:
        query = gql("""
            mutation CancelSubscription {
              cancelSubscription {
                subscription {
                  ...PlanSubscriptionFields
                }
                userErrors {
                  ...BillingErrorFields
                }
              }
            }

            fragment BillingErrorFields on BillingError {
              field
              message
              code
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }

            fragment MoneyFields on Money {
              amount
              currency
            }

            fragment PlanFields on Plan {
              id
              key
              name
              currency
              active
              monthlyFee {
                ...MoneyFields
              }
              prices {
                meter {
                  ...MeterFields
                }
                model
                unitAmount
                tiers {
                  upTo
                  unitAmount
                  flatAmount
                }
                packageSize
                packageAmount
                includedQuantity
              }
            }

            fragment PlanSubscriptionFields on PlanSubscription {
              id
              status
              startedAt
              endedAt
              plan {
                ...PlanFields
              }
            }
            """)
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query,
            operation_name="CancelSubscription",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return CancelSubscription.model_validate(data)

    async def create_budget(
        self, input: CreateBudgetInput, **kwargs: Any
    ) -> CreateBudget:
        query = gql("""
            mutation CreateBudget($input: CreateBudgetInput!) {
              createBudget(input: $input) {
                budget {
                  ...BudgetFields
                }
                userErrors {
                  ...BillingErrorFields
                }
              }
            }

            fragment BillingErrorFields on BillingError {
              field
              message
              code
            }

            fragment BudgetFields on Budget {
              id
              name
              target
              threshold
              hardLimit
              createdAt
              meter {
                ...MeterFields
              }
              alerts {
                period
                value
                threshold
                occurredAt
              }
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="CreateBudget", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreateBudget.model_validate(data)

    async def delete_budget(
        self, input: DeleteBudgetInput, **kwargs: Any
    ) -> DeleteBudget:
        query = gql("""
            mutation DeleteBudget($input: DeleteBudgetInput!) {
              deleteBudget(input: $input) {
                budget {
                  ...BudgetFields
                }
                userErrors {
                  ...BillingErrorFields
                }
              }
            }

            fragment BillingErrorFields on BillingError {
              field
              message
              code
            }

            fragment BudgetFields on Budget {
              id
              name
              target
              threshold
              hardLimit
              createdAt
              meter {
                ...MeterFields
              }
              alerts {
                period
                value
                threshold
                occurredAt
              }
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="DeleteBudget", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return DeleteBudget.model_validate(data)

    async def finalize_invoice(
        self, input: FinalizeInvoiceInput, **kwargs: Any
    ) -> FinalizeInvoice:
        query = gql("""
            mutation FinalizeInvoice($input: FinalizeInvoiceInput!) {
              finalizeInvoice(input: $input) {
                invoice {
                  ...InvoiceFields
                }
                userErrors {
                  ...BillingErrorFields
                }
              }
            }

            fragment BillingErrorFields on BillingError {
              field
              message
              code
            }

            fragment InvoiceFields on Invoice {
              id
              number
              status
              currency
              period
              periodStart
              periodEnd
              subtotal {
                ...MoneyFields
              }
              total {
                ...MoneyFields
              }
              finalizedAt
              paidAt
              voidedAt
              voidReason
              paymentFailedAt
              stripeInvoiceId
              lines {
                ...InvoiceLineFields
              }
            }

            fragment InvoiceLineFields on InvoiceLine {
              kind
              description
              periodStart
              periodEnd
              quantity
              amount {
                ...MoneyFields
              }
              publisherShare {
                ...MoneyFields
              }
              meter {
                id
                key
                name
                unit
              }
              package {
                id
                fullName
                title
              }
            }

            fragment MoneyFields on Money {
              amount
              currency
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="FinalizeInvoice", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return FinalizeInvoice.model_validate(data)

    async def void_invoice(self, input: VoidInvoiceInput, **kwargs: Any) -> VoidInvoice:
        query = gql("""
            mutation VoidInvoice($input: VoidInvoiceInput!) {
              voidInvoice(input: $input) {
                invoice {
                  ...InvoiceFields
                }
                userErrors {
                  ...BillingErrorFields
                }
              }
            }

            fragment BillingErrorFields on BillingError {
              field
              message
              code
            }

            fragment InvoiceFields on Invoice {
              id
              number
              status
              currency
              period
              periodStart
              periodEnd
              subtotal {
                ...MoneyFields
              }
              total {
                ...MoneyFields
              }
              finalizedAt
              paidAt
              voidedAt
              voidReason
              paymentFailedAt
              stripeInvoiceId
              lines {
                ...InvoiceLineFields
              }
            }

            fragment InvoiceLineFields on InvoiceLine {
              kind
              description
              periodStart
              periodEnd
              quantity
              amount {
                ...MoneyFields
              }
              publisherShare {
                ...MoneyFields
              }
              meter {
                id
                key
                name
                unit
              }
              package {
                id
                fullName
                title
              }
            }

            fragment MoneyFields on Money {
              amount
              currency
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="VoidInvoice", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return VoidInvoice.model_validate(data)

    async def mark_invoice_paid(
        self, input: MarkInvoicePaidInput, **kwargs: Any
    ) -> MarkInvoicePaid:
        query = gql("""
            mutation MarkInvoicePaid($input: MarkInvoicePaidInput!) {
              markInvoicePaid(input: $input) {
                invoice {
                  ...InvoiceFields
                }
                userErrors {
                  ...BillingErrorFields
                }
              }
            }

            fragment BillingErrorFields on BillingError {
              field
              message
              code
            }

            fragment InvoiceFields on Invoice {
              id
              number
              status
              currency
              period
              periodStart
              periodEnd
              subtotal {
                ...MoneyFields
              }
              total {
                ...MoneyFields
              }
              finalizedAt
              paidAt
              voidedAt
              voidReason
              paymentFailedAt
              stripeInvoiceId
              lines {
                ...InvoiceLineFields
              }
            }

            fragment InvoiceLineFields on InvoiceLine {
              kind
              description
              periodStart
              periodEnd
              quantity
              amount {
                ...MoneyFields
              }
              publisherShare {
                ...MoneyFields
              }
              meter {
                id
                key
                name
                unit
              }
              package {
                id
                fullName
                title
              }
            }

            fragment MoneyFields on Money {
              amount
              currency
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="MarkInvoicePaid", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return MarkInvoicePaid.model_validate(data)

    async def installs(self, **kwargs: Any) -> Installs:
        query = gql("""
            query Installs {
              installs {
                ...InstallFields
              }
            }

            fragment InstallFields on Install {
              id
              active
              flag
              createdAt
              updatedAt
              package {
                ...PackageFields
              }
              version {
                id
                version
                status
                statusReason
                sha256
                size
                publishedAt
              }
            }

            fragment PackageFields on Package {
              id
              fullName
              name
              title
              description
              tags
              categories
              visibility
              license
              homepage
              pricing {
                model
                amount
                currency
              }
              installCount
              createdAt
              updatedAt
              publisher {
                id
                namespace
                displayName
              }
              latestVersion {
                id
                version
                status
              }
            }
            """)
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query, operation_name="Installs", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Installs.model_validate(data)

    async def install_package(
        self, input: InstallPackageInput, **kwargs: Any
    ) -> InstallPackage:
        query = gql("""
            mutation InstallPackage($input: InstallPackageInput!) {
              installPackage(input: $input) {
                install {
                  ...InstallFields
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment InstallFields on Install {
              id
              active
              flag
              createdAt
              updatedAt
              package {
                ...PackageFields
              }
              version {
                id
                version
                status
                statusReason
                sha256
                size
                publishedAt
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }

            fragment PackageFields on Package {
              id
              fullName
              name
              title
              description
              tags
              categories
              visibility
              license
              homepage
              pricing {
                model
                amount
                currency
              }
              installCount
              createdAt
              updatedAt
              publisher {
                id
                namespace
                displayName
              }
              latestVersion {
                id
                version
                status
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="InstallPackage", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return InstallPackage.model_validate(data)

    async def uninstall_package(
        self, input: UninstallPackageInput, **kwargs: Any
    ) -> UninstallPackage:
        query = gql("""
            mutation UninstallPackage($input: UninstallPackageInput!) {
              uninstallPackage(input: $input) {
                install {
                  ...InstallFields
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment InstallFields on Install {
              id
              active
              flag
              createdAt
              updatedAt
              package {
                ...PackageFields
              }
              version {
                id
                version
                status
                statusReason
                sha256
                size
                publishedAt
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }

            fragment PackageFields on Package {
              id
              fullName
              name
              title
              description
              tags
              categories
              visibility
              license
              homepage
              pricing {
                model
                amount
                currency
              }
              installCount
              createdAt
              updatedAt
              publisher {
                id
                namespace
                displayName
              }
              latestVersion {
                id
                version
                status
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="UninstallPackage",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return UninstallPackage.model_validate(data)

    async def organization_trusted_issuers(
        self, slug: str, **kwargs: Any
    ) -> OrganizationTrustedIssuers:
        query = gql("""
            query OrganizationTrustedIssuers($slug: String!) {
              organization(slug: $slug) {
                id
                trustedIssuers {
                  ...TrustedIssuerFields
                }
              }
            }

            fragment TrustedIssuerFields on TrustedIssuer {
              id
              name
              issuer
              jwksUrl
              jwks
              audience
              identity
              subjectClaim
              userClaim
              rolesClaim
              allowedRoles
              defaultRoles
              requiredClaims {
                claim
                value
              }
              createdAt
              updatedAt
            }
            """)
        variables: dict[str, object] = {"slug": slug}
        response = await self.execute(
            query=query,
            operation_name="OrganizationTrustedIssuers",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return OrganizationTrustedIssuers.model_validate(data)

    async def add_trusted_issuer(
        self, input: TrustedIssuerInput, **kwargs: Any
    ) -> AddTrustedIssuer:
        query = gql("""
            mutation AddTrustedIssuer($input: TrustedIssuerInput!) {
              addTrustedIssuer(input: $input) {
                trustedIssuer {
                  ...TrustedIssuerFields
                }
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }

            fragment TrustedIssuerFields on TrustedIssuer {
              id
              name
              issuer
              jwksUrl
              jwks
              audience
              identity
              subjectClaim
              userClaim
              rolesClaim
              allowedRoles
              defaultRoles
              requiredClaims {
                claim
                value
              }
              createdAt
              updatedAt
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="AddTrustedIssuer",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return AddTrustedIssuer.model_validate(data)

    async def update_trusted_issuer(
        self, input: UpdateTrustedIssuerInput, **kwargs: Any
    ) -> UpdateTrustedIssuer:
        query = gql("""
            mutation UpdateTrustedIssuer($input: UpdateTrustedIssuerInput!) {
              updateTrustedIssuer(input: $input) {
                trustedIssuer {
                  ...TrustedIssuerFields
                }
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }

            fragment TrustedIssuerFields on TrustedIssuer {
              id
              name
              issuer
              jwksUrl
              jwks
              audience
              identity
              subjectClaim
              userClaim
              rolesClaim
              allowedRoles
              defaultRoles
              requiredClaims {
                claim
                value
              }
              createdAt
              updatedAt
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="UpdateTrustedIssuer",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return UpdateTrustedIssuer.model_validate(data)

    async def remove_trusted_issuer(
        self, input: RemoveTrustedIssuerInput, **kwargs: Any
    ) -> RemoveTrustedIssuer:
        query = gql("""
            mutation RemoveTrustedIssuer($input: RemoveTrustedIssuerInput!) {
              removeTrustedIssuer(input: $input) {
                removedTrustedIssuerId
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="RemoveTrustedIssuer",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RemoveTrustedIssuer.model_validate(data)

    async def package_status(
        self, package_id: str, **kwargs: Any
    ) -> AsyncIterator[PackageStatus]:
        query = gql("""
            subscription PackageStatus($packageId: ID!) {
              packageStatus(packageId: $packageId) {
                packageId
                versionId
                versionNumber
                fromStatus
                toStatus
                reason
                occurredAt
                version {
                  ...PackageVersionFields
                }
                package {
                  ...PackageFields
                }
              }
            }

            fragment PackageFields on Package {
              id
              fullName
              name
              title
              description
              tags
              categories
              visibility
              license
              homepage
              pricing {
                model
                amount
                currency
              }
              installCount
              createdAt
              updatedAt
              publisher {
                id
                namespace
                displayName
              }
              latestVersion {
                id
                version
                status
              }
            }

            fragment PackageVersionFields on PackageVersion {
              id
              version
              status
              statusReason
              sha256
              size
              format
              manifest
              approvalsRequired
              createdAt
              publishedAt
              package {
                id
                fullName
                title
                visibility
              }
              verification {
                method
                identity
                issuer
                transparencyLogIndex
                integratedTime
                keyFingerprint
                signingIdentity {
                  ...SigningIdentityFields
                }
              }
              analysis {
                score
                level
                rulesVersion
                requiresManualReview
                violations {
                  rule
                  policy
                  severity
                  message
                  path
                }
              }
              transitions {
                fromStatus
                toStatus
                actor
                reason
                createdAt
              }
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }
            """)
        variables: dict[str, object] = {"packageId": package_id}
        async for data in self.execute_ws(
            query=query, operation_name="PackageStatus", variables=variables, **kwargs
        ):
            yield PackageStatus.model_validate(data)

    async def marketplace_activity(
        self, **kwargs: Any
    ) -> AsyncIterator[MarketplaceActivity]:
        query = gql("""
            subscription MarketplaceActivity {
              marketplaceActivity {
                occurredAt
                package {
                  ...PackageFields
                }
                version {
                  ...PackageVersionFields
                }
              }
            }

            fragment PackageFields on Package {
              id
              fullName
              name
              title
              description
              tags
              categories
              visibility
              license
              homepage
              pricing {
                model
                amount
                currency
              }
              installCount
              createdAt
              updatedAt
              publisher {
                id
                namespace
                displayName
              }
              latestVersion {
                id
                version
                status
              }
            }

            fragment PackageVersionFields on PackageVersion {
              id
              version
              status
              statusReason
              sha256
              size
              format
              manifest
              approvalsRequired
              createdAt
              publishedAt
              package {
                id
                fullName
                title
                visibility
              }
              verification {
                method
                identity
                issuer
                transparencyLogIndex
                integratedTime
                keyFingerprint
                signingIdentity {
                  ...SigningIdentityFields
                }
              }
              analysis {
                score
                level
                rulesVersion
                requiresManualReview
                violations {
                  rule
                  policy
                  severity
                  message
                  path
                }
              }
              transitions {
                fromStatus
                toStatus
                actor
                reason
                createdAt
              }
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }
            """)
        variables: dict[str, object] = {}
        async for data in self.execute_ws(
            query=query,
            operation_name="MarketplaceActivity",
            variables=variables,
            **kwargs,
        ):
            yield MarketplaceActivity.model_validate(data)

    async def usage_updates(
        self, meter: str, **kwargs: Any
    ) -> AsyncIterator[UsageUpdates]:
        query = gql("""
            subscription UsageUpdates($meter: String!) {
              usageUpdates(meter: $meter) {
                meter {
                  ...MeterFields
                }
                period
                periodStart
                periodEnd
                total
                asOf
              }
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }
            """)
        variables: dict[str, object] = {"meter": meter}
        async for data in self.execute_ws(
            query=query, operation_name="UsageUpdates", variables=variables, **kwargs
        ):
            yield UsageUpdates.model_validate(data)

    async def budget_alerts(self, **kwargs: Any) -> AsyncIterator[BudgetAlerts]:
        query = gql("""
            subscription BudgetAlerts {
              budgetAlerts {
                budgetId
                name
                target
                threshold
                value
                period
                hardLimit
                occurredAt
                budget {
                  ...BudgetFields
                }
              }
            }

            fragment BudgetFields on Budget {
              id
              name
              target
              threshold
              hardLimit
              createdAt
              meter {
                ...MeterFields
              }
              alerts {
                period
                value
                threshold
                occurredAt
              }
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }
            """)
        variables: dict[str, object] = {}
        async for data in self.execute_ws(
            query=query, operation_name="BudgetAlerts", variables=variables, **kwargs
        ):
            yield BudgetAlerts.model_validate(data)

    async def invoice_events(self, **kwargs: Any) -> AsyncIterator[InvoiceEvents]:
        query = gql("""
            subscription InvoiceEvents {
              invoiceEvents {
                kind
                invoiceId
                number
                status
                total {
                  ...MoneyFields
                }
                occurredAt
                invoice {
                  ...InvoiceFields
                }
              }
            }

            fragment InvoiceFields on Invoice {
              id
              number
              status
              currency
              period
              periodStart
              periodEnd
              subtotal {
                ...MoneyFields
              }
              total {
                ...MoneyFields
              }
              finalizedAt
              paidAt
              voidedAt
              voidReason
              paymentFailedAt
              stripeInvoiceId
              lines {
                ...InvoiceLineFields
              }
            }

            fragment InvoiceLineFields on InvoiceLine {
              kind
              description
              periodStart
              periodEnd
              quantity
              amount {
                ...MoneyFields
              }
              publisherShare {
                ...MoneyFields
              }
              meter {
                id
                key
                name
                unit
              }
              package {
                id
                fullName
                title
              }
            }

            fragment MoneyFields on Money {
              amount
              currency
            }
            """)
        variables: dict[str, object] = {}
        async for data in self.execute_ws(
            query=query, operation_name="InvoiceEvents", variables=variables, **kwargs
        ):
            yield InvoiceEvents.model_validate(data)

    async def audit_events(
        self,
        filter_: Union[Optional[AuditLogFilter], UnsetType] = UNSET,
        after_sequence: Union[Optional[int], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> AsyncIterator[AuditEvents]:
        query = gql("""
            subscription AuditEvents($filter: AuditLogFilter, $afterSequence: Int) {
              auditEvents(filter: $filter, afterSequence: $afterSequence) {
                ...AuditEntryFields
              }
            }

            fragment AuditEntryFields on AuditEntry {
              id
              chain
              sequence
              time
              actor
              action
              target
              decision
              outcome
              risk
              reason
              requestId
              clientAddress
              inputDigest
              prevHash
              entryHash
              targetNode {
                ...AuditTargetFields
              }
            }

            fragment AuditTargetFields on Node {
              __typename
              id
              ... on Organization {
                slug
                name
              }
              ... on User {
                displayName
                email
              }
              ... on Membership {
                user {
                  id
                  displayName
                  email
                }
              }
              ... on ApiKey {
                name
                prefix
              }
              ... on Invitation {
                invitedEmail: email
              }
              ... on Role {
                name
              }
              ... on PolicyVersion {
                policyNumber: number
              }
              ... on Publisher {
                namespace
                displayName
              }
              ... on Package {
                fullName
              }
              ... on PackageVersion {
                version
                package {
                  id
                  fullName
                }
              }
              ... on Install {
                package {
                  id
                  fullName
                }
              }
              ... on Meter {
                key
                name
              }
              ... on Plan {
                key
                name
              }
              ... on Invoice {
                invoiceNumber: number
              }
              ... on Budget {
                name
              }
              ... on TrustedIssuer {
                name
                issuer
              }
            }
            """)
        variables: dict[str, object] = {
            "filter": filter_,
            "afterSequence": after_sequence,
        }
        async for data in self.execute_ws(
            query=query, operation_name="AuditEvents", variables=variables, **kwargs
        ):
            yield AuditEvents.model_validate(data)

    async def marketplace_packages(
        self,
        query: Union[Optional[str], UnsetType] = UNSET,
        filter_: Union[Optional[CatalogFilter], UnsetType] = UNSET,
        sort: Union[Optional[CatalogSort], UnsetType] = UNSET,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> MarketplacePackages:
        _query = gql("""
            query MarketplacePackages($query: String, $filter: CatalogFilter, $sort: CatalogSort, $first: Int, $after: String) {
              marketplacePackages(
                query: $query
                filter: $filter
                sort: $sort
                first: $first
                after: $after
              ) {
                totalCount
                pageInfo {
                  ...PageInfoFields
                }
                nodes {
                  ...PackageFields
                }
              }
            }

            fragment PackageFields on Package {
              id
              fullName
              name
              title
              description
              tags
              categories
              visibility
              license
              homepage
              pricing {
                model
                amount
                currency
              }
              installCount
              createdAt
              updatedAt
              publisher {
                id
                namespace
                displayName
              }
              latestVersion {
                id
                version
                status
              }
            }

            fragment PageInfoFields on PageInfo {
              hasNextPage
              hasPreviousPage
              startCursor
              endCursor
            }
            """)
        variables: dict[str, object] = {
            "query": query,
            "filter": filter_,
            "sort": sort,
            "first": first,
            "after": after,
        }
        response = await self.execute(
            query=_query,
            operation_name="MarketplacePackages",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return MarketplacePackages.model_validate(data)

    async def package(self, full_name: str, **kwargs: Any) -> Package:
        query = gql("""
            query Package($fullName: String!) {
              package(fullName: $fullName) {
                ...PackageFields
              }
            }

            fragment PackageFields on Package {
              id
              fullName
              name
              title
              description
              tags
              categories
              visibility
              license
              homepage
              pricing {
                model
                amount
                currency
              }
              installCount
              createdAt
              updatedAt
              publisher {
                id
                namespace
                displayName
              }
              latestVersion {
                id
                version
                status
              }
            }
            """)
        variables: dict[str, object] = {"fullName": full_name}
        response = await self.execute(
            query=query, operation_name="Package", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Package.model_validate(data)

    async def package_versions(
        self,
        full_name: str,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        last: Union[Optional[int], UnsetType] = UNSET,
        before: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> PackageVersions:
        query = gql("""
            query PackageVersions($fullName: String!, $first: Int, $after: String, $last: Int, $before: String) {
              package(fullName: $fullName) {
                id
                fullName
                versions(first: $first, after: $after, last: $last, before: $before) {
                  totalCount
                  pageInfo {
                    ...PageInfoFields
                  }
                  nodes {
                    ...PackageVersionFields
                  }
                }
              }
            }

            fragment PackageVersionFields on PackageVersion {
              id
              version
              status
              statusReason
              sha256
              size
              format
              manifest
              approvalsRequired
              createdAt
              publishedAt
              package {
                id
                fullName
                title
                visibility
              }
              verification {
                method
                identity
                issuer
                transparencyLogIndex
                integratedTime
                keyFingerprint
                signingIdentity {
                  ...SigningIdentityFields
                }
              }
              analysis {
                score
                level
                rulesVersion
                requiresManualReview
                violations {
                  rule
                  policy
                  severity
                  message
                  path
                }
              }
              transitions {
                fromStatus
                toStatus
                actor
                reason
                createdAt
              }
            }

            fragment PageInfoFields on PageInfo {
              hasNextPage
              hasPreviousPage
              startCursor
              endCursor
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }
            """)
        variables: dict[str, object] = {
            "fullName": full_name,
            "first": first,
            "after": after,
            "last": last,
            "before": before,
        }
        response = await self.execute(
            query=query, operation_name="PackageVersions", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return PackageVersions.model_validate(data)

    async def my_publisher(self, **kwargs: Any) -> MyPublisher:
        query = gql("""
            query MyPublisher {
              myPublisher {
                ...PublisherFields
                signingIdentities {
                  ...SigningIdentityFields
                }
              }
            }

            fragment PublisherFields on Publisher {
              id
              namespace
              displayName
              createdAt
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }
            """)
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query, operation_name="MyPublisher", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return MyPublisher.model_validate(data)

    async def become_publisher(
        self, input: BecomePublisherInput, **kwargs: Any
    ) -> BecomePublisher:
        query = gql("""
            mutation BecomePublisher($input: BecomePublisherInput!) {
              becomePublisher(input: $input) {
                publisher {
                  ...PublisherFields
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }

            fragment PublisherFields on Publisher {
              id
              namespace
              displayName
              createdAt
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="BecomePublisher", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return BecomePublisher.model_validate(data)

    async def register_sigstore_identity(
        self, input: RegisterSigstoreIdentityInput, **kwargs: Any
    ) -> RegisterSigstoreIdentity:
        query = gql("""
            mutation RegisterSigstoreIdentity($input: RegisterSigstoreIdentityInput!) {
              registerSigstoreIdentity(input: $input) {
                signingIdentity {
                  ...SigningIdentityFields
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="RegisterSigstoreIdentity",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RegisterSigstoreIdentity.model_validate(data)

    async def register_public_key(
        self, input: RegisterPublicKeyInput, **kwargs: Any
    ) -> RegisterPublicKey:
        query = gql("""
            mutation RegisterPublicKey($input: RegisterPublicKeyInput!) {
              registerPublicKey(input: $input) {
                signingIdentity {
                  ...SigningIdentityFields
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="RegisterPublicKey",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RegisterPublicKey.model_validate(data)

    async def revoke_signing_identity(
        self, input: RevokeSigningIdentityInput, **kwargs: Any
    ) -> RevokeSigningIdentity:
        query = gql("""
            mutation RevokeSigningIdentity($input: RevokeSigningIdentityInput!) {
              revokeSigningIdentity(input: $input) {
                signingIdentity {
                  ...SigningIdentityFields
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="RevokeSigningIdentity",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RevokeSigningIdentity.model_validate(data)

    async def create_package(
        self, input: CreatePackageInput, **kwargs: Any
    ) -> CreatePackage:
        query = gql("""
            mutation CreatePackage($input: CreatePackageInput!) {
              createPackage(input: $input) {
                package {
                  ...PackageFields
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }

            fragment PackageFields on Package {
              id
              fullName
              name
              title
              description
              tags
              categories
              visibility
              license
              homepage
              pricing {
                model
                amount
                currency
              }
              installCount
              createdAt
              updatedAt
              publisher {
                id
                namespace
                displayName
              }
              latestVersion {
                id
                version
                status
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="CreatePackage", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreatePackage.model_validate(data)

    async def create_upload(
        self, input: CreateUploadInput, **kwargs: Any
    ) -> CreateUpload:
        query = gql("""
            mutation CreateUpload($input: CreateUploadInput!) {
              createUpload(input: $input) {
                upload {
                  ...UploadTicketFields
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }

            fragment UploadTicketFields on UploadTicket {
              uploadId
              url
              method
              expiresAt
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="CreateUpload", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreateUpload.model_validate(data)

    async def publish_version(
        self, input: PublishVersionInput, **kwargs: Any
    ) -> PublishVersion:
        query = gql("""
            mutation PublishVersion($input: PublishVersionInput!) {
              publishVersion(input: $input) {
                version {
                  ...PackageVersionFields
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }

            fragment PackageVersionFields on PackageVersion {
              id
              version
              status
              statusReason
              sha256
              size
              format
              manifest
              approvalsRequired
              createdAt
              publishedAt
              package {
                id
                fullName
                title
                visibility
              }
              verification {
                method
                identity
                issuer
                transparencyLogIndex
                integratedTime
                keyFingerprint
                signingIdentity {
                  ...SigningIdentityFields
                }
              }
              analysis {
                score
                level
                rulesVersion
                requiresManualReview
                violations {
                  rule
                  policy
                  severity
                  message
                  path
                }
              }
              transitions {
                fromStatus
                toStatus
                actor
                reason
                createdAt
              }
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="PublishVersion", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return PublishVersion.model_validate(data)

    async def publish_version_upload(
        self, input: PublishVersionUploadInput, **kwargs: Any
    ) -> PublishVersionUpload:
        query = gql("""
            mutation PublishVersionUpload($input: PublishVersionUploadInput!) {
              publishVersionUpload(input: $input) {
                version {
                  ...PackageVersionFields
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }

            fragment PackageVersionFields on PackageVersion {
              id
              version
              status
              statusReason
              sha256
              size
              format
              manifest
              approvalsRequired
              createdAt
              publishedAt
              package {
                id
                fullName
                title
                visibility
              }
              verification {
                method
                identity
                issuer
                transparencyLogIndex
                integratedTime
                keyFingerprint
                signingIdentity {
                  ...SigningIdentityFields
                }
              }
              analysis {
                score
                level
                rulesVersion
                requiresManualReview
                violations {
                  rule
                  policy
                  severity
                  message
                  path
                }
              }
              transitions {
                fromStatus
                toStatus
                actor
                reason
                createdAt
              }
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="PublishVersionUpload",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return PublishVersionUpload.model_validate(data)

    async def create_download(
        self, input: CreateDownloadInput, **kwargs: Any
    ) -> CreateDownload:
        query = gql("""
            mutation CreateDownload($input: CreateDownloadInput!) {
              createDownload(input: $input) {
                download {
                  url
                  sha256
                  size
                  filename
                  expiresAt
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="CreateDownload", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreateDownload.model_validate(data)

    async def organization(self, slug: str, **kwargs: Any) -> Organization:
        query = gql("""
            query Organization($slug: String!) {
              organization(slug: $slug) {
                ...OrganizationFields
                viewerPermissions
                roles {
                  ...RoleFields
                }
                policyVersion {
                  ...PolicyVersionFields
                  rules {
                    ...PolicyRuleFields
                  }
                }
              }
            }

            fragment OrganizationFields on Organization {
              id
              slug
              name
              createdAt
              platformOperator
              marketplaceReviewer
            }

            fragment PolicyRuleFields on PolicyRule {
              ptype
              subject
              domain
              resource
              action
              role
            }

            fragment PolicyVersionFields on PolicyVersion {
              id
              number
              contentHash
              createdAt
              createdBy
              summary
            }

            fragment RoleFields on Role {
              id
              name
              description
              builtin
              permissions
            }
            """)
        variables: dict[str, object] = {"slug": slug}
        response = await self.execute(
            query=query, operation_name="Organization", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Organization.model_validate(data)

    async def organization_members(
        self,
        slug: str,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> OrganizationMembers:
        query = gql("""
            query OrganizationMembers($slug: String!, $first: Int, $after: String) {
              organization(slug: $slug) {
                id
                members(first: $first, after: $after) {
                  totalCount
                  pageInfo {
                    ...PageInfoFields
                  }
                  nodes {
                    ...MembershipFields
                  }
                }
              }
            }

            fragment MembershipFields on Membership {
              id
              createdAt
              roles
              user {
                ...UserFields
              }
              organization {
                ...OrganizationFields
              }
            }

            fragment OrganizationFields on Organization {
              id
              slug
              name
              createdAt
              platformOperator
              marketplaceReviewer
            }

            fragment PageInfoFields on PageInfo {
              hasNextPage
              hasPreviousPage
              startCursor
              endCursor
            }

            fragment UserFields on User {
              id
              displayName
              email
              createdAt
            }
            """)
        variables: dict[str, object] = {"slug": slug, "first": first, "after": after}
        response = await self.execute(
            query=query,
            operation_name="OrganizationMembers",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return OrganizationMembers.model_validate(data)

    async def organization_invitations(
        self,
        slug: str,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> OrganizationInvitations:
        query = gql("""
            query OrganizationInvitations($slug: String!, $first: Int, $after: String) {
              organization(slug: $slug) {
                id
                invitations(first: $first, after: $after) {
                  totalCount
                  pageInfo {
                    ...PageInfoFields
                  }
                  nodes {
                    ...InvitationFields
                  }
                }
              }
            }

            fragment InvitationFields on Invitation {
              id
              email
              role
              status
              createdAt
              expiresAt
              acceptedAt
              revokedAt
            }

            fragment PageInfoFields on PageInfo {
              hasNextPage
              hasPreviousPage
              startCursor
              endCursor
            }
            """)
        variables: dict[str, object] = {"slug": slug, "first": first, "after": after}
        response = await self.execute(
            query=query,
            operation_name="OrganizationInvitations",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return OrganizationInvitations.model_validate(data)

    async def organization_api_keys(
        self,
        slug: str,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> OrganizationApiKeys:
        query = gql("""
            query OrganizationApiKeys($slug: String!, $first: Int, $after: String) {
              organization(slug: $slug) {
                id
                apiKeys(first: $first, after: $after) {
                  totalCount
                  pageInfo {
                    ...PageInfoFields
                  }
                  nodes {
                    ...ApiKeyFields
                  }
                }
              }
            }

            fragment ApiKeyFields on ApiKey {
              id
              name
              prefix
              scopes
              roles
              createdAt
              expiresAt
              revokedAt
              lastUsedAt
            }

            fragment PageInfoFields on PageInfo {
              hasNextPage
              hasPreviousPage
              startCursor
              endCursor
            }
            """)
        variables: dict[str, object] = {"slug": slug, "first": first, "after": after}
        response = await self.execute(
            query=query,
            operation_name="OrganizationApiKeys",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return OrganizationApiKeys.model_validate(data)

    async def create_organization(
        self, input: CreateOrganizationInput, **kwargs: Any
    ) -> CreateOrganization:
        query = gql("""
            mutation CreateOrganization($input: CreateOrganizationInput!) {
              createOrganization(input: $input) {
                organization {
                  ...OrganizationFields
                }
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }

            fragment OrganizationFields on Organization {
              id
              slug
              name
              createdAt
              platformOperator
              marketplaceReviewer
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="CreateOrganization",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return CreateOrganization.model_validate(data)

    async def invite_member(
        self, input: InviteMemberInput, **kwargs: Any
    ) -> InviteMember:
        query = gql("""
            mutation InviteMember($input: InviteMemberInput!) {
              inviteMember(input: $input) {
                invitation {
                  ...InvitationFields
                }
                token
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }

            fragment InvitationFields on Invitation {
              id
              email
              role
              status
              createdAt
              expiresAt
              acceptedAt
              revokedAt
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="InviteMember", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return InviteMember.model_validate(data)

    async def accept_invitation(
        self, input: AcceptInvitationInput, **kwargs: Any
    ) -> AcceptInvitation:
        query = gql("""
            mutation AcceptInvitation($input: AcceptInvitationInput!) {
              acceptInvitation(input: $input) {
                membership {
                  ...MembershipFields
                }
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }

            fragment MembershipFields on Membership {
              id
              createdAt
              roles
              user {
                ...UserFields
              }
              organization {
                ...OrganizationFields
              }
            }

            fragment OrganizationFields on Organization {
              id
              slug
              name
              createdAt
              platformOperator
              marketplaceReviewer
            }

            fragment UserFields on User {
              id
              displayName
              email
              createdAt
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="AcceptInvitation",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return AcceptInvitation.model_validate(data)

    async def remove_member(
        self, input: RemoveMemberInput, **kwargs: Any
    ) -> RemoveMember:
        query = gql("""
            mutation RemoveMember($input: RemoveMemberInput!) {
              removeMember(input: $input) {
                removedMembershipId
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="RemoveMember", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RemoveMember.model_validate(data)

    async def create_api_key(
        self, input: CreateApiKeyInput, **kwargs: Any
    ) -> CreateApiKey:
        query = gql("""
            mutation CreateApiKey($input: CreateApiKeyInput!) {
              createApiKey(input: $input) {
                apiKey {
                  ...ApiKeyFields
                }
                secret
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment ApiKeyFields on ApiKey {
              id
              name
              prefix
              scopes
              roles
              createdAt
              expiresAt
              revokedAt
              lastUsedAt
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="CreateApiKey", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreateApiKey.model_validate(data)

    async def revoke_api_key(
        self, input: RevokeApiKeyInput, **kwargs: Any
    ) -> RevokeApiKey:
        query = gql("""
            mutation RevokeApiKey($input: RevokeApiKeyInput!) {
              revokeApiKey(input: $input) {
                apiKey {
                  ...ApiKeyFields
                }
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment ApiKeyFields on ApiKey {
              id
              name
              prefix
              scopes
              roles
              createdAt
              expiresAt
              revokedAt
              lastUsedAt
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="RevokeApiKey", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RevokeApiKey.model_validate(data)

    async def node(self, id: str, **kwargs: Any) -> Node:
        query = gql("""
            query Node($id: ID!) {
              node(id: $id) {
                __typename
                id
                ...NodeFields
              }
            }

            fragment ApiKeyFields on ApiKey {
              id
              name
              prefix
              scopes
              roles
              createdAt
              expiresAt
              revokedAt
              lastUsedAt
            }

            fragment AuditCheckpointFields on AuditCheckpoint {
              id
              chain
              size
              rootHash
              time
              keyId
              signature
              statement
            }

            fragment BudgetFields on Budget {
              id
              name
              target
              threshold
              hardLimit
              createdAt
              meter {
                ...MeterFields
              }
              alerts {
                period
                value
                threshold
                occurredAt
              }
            }

            fragment InvoiceLineFields on InvoiceLine {
              kind
              description
              periodStart
              periodEnd
              quantity
              amount {
                ...MoneyFields
              }
              publisherShare {
                ...MoneyFields
              }
              meter {
                id
                key
                name
                unit
              }
              package {
                id
                fullName
                title
              }
            }

            fragment MembershipFields on Membership {
              id
              createdAt
              roles
              user {
                ...UserFields
              }
              organization {
                ...OrganizationFields
              }
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }

            fragment MoneyFields on Money {
              amount
              currency
            }

            fragment NodeFields on Node {
              ... on ApiKey {
                ...ApiKeyFields
              }
              ... on AuditCheckpoint {
                ...AuditCheckpointFields
              }
              ... on AuditEntry {
                chain
                sequence
                time
                actor
                action
                auditTarget: target
                decision
                outcome
                risk
                reason
                requestId
                clientAddress
                inputDigest
                prevHash
                entryHash
              }
              ... on Budget {
                ...BudgetFields
              }
              ... on Install {
                active
                flag
                createdAt
                updatedAt
                package {
                  ...PackageFields
                }
                installedVersion: version {
                  id
                  version
                  status
                  statusReason
                  sha256
                  size
                  publishedAt
                }
              }
              ... on Invoice {
                invoiceNumber: number
                invoiceStatus: status
                currency
                period
                periodStart
                periodEnd
                subtotal {
                  ...MoneyFields
                }
                total {
                  ...MoneyFields
                }
                finalizedAt
                paidAt
                voidedAt
                voidReason
                paymentFailedAt
                stripeInvoiceId
                lines {
                  ...InvoiceLineFields
                }
              }
              ... on Membership {
                ...MembershipFields
              }
              ... on Meter {
                ...MeterFields
              }
              ... on Organization {
                ...OrganizationFields
              }
              ... on Package {
                ...PackageFields
              }
              ... on PackageVersion {
                ...PackageVersionFields
              }
              ... on Plan {
                ...PlanFields
              }
              ... on PolicyVersion {
                ...PolicyVersionFields
                rules {
                  ...PolicyRuleFields
                }
              }
              ... on Publisher {
                ...PublisherFields
              }
              ... on Role {
                ...RoleFields
              }
              ... on SigningIdentity {
                ...SigningIdentityFields
              }
              ... on User {
                ...UserFields
              }
            }

            fragment OrganizationFields on Organization {
              id
              slug
              name
              createdAt
              platformOperator
              marketplaceReviewer
            }

            fragment PackageFields on Package {
              id
              fullName
              name
              title
              description
              tags
              categories
              visibility
              license
              homepage
              pricing {
                model
                amount
                currency
              }
              installCount
              createdAt
              updatedAt
              publisher {
                id
                namespace
                displayName
              }
              latestVersion {
                id
                version
                status
              }
            }

            fragment PackageVersionFields on PackageVersion {
              id
              version
              status
              statusReason
              sha256
              size
              format
              manifest
              approvalsRequired
              createdAt
              publishedAt
              package {
                id
                fullName
                title
                visibility
              }
              verification {
                method
                identity
                issuer
                transparencyLogIndex
                integratedTime
                keyFingerprint
                signingIdentity {
                  ...SigningIdentityFields
                }
              }
              analysis {
                score
                level
                rulesVersion
                requiresManualReview
                violations {
                  rule
                  policy
                  severity
                  message
                  path
                }
              }
              transitions {
                fromStatus
                toStatus
                actor
                reason
                createdAt
              }
            }

            fragment PlanFields on Plan {
              id
              key
              name
              currency
              active
              monthlyFee {
                ...MoneyFields
              }
              prices {
                meter {
                  ...MeterFields
                }
                model
                unitAmount
                tiers {
                  upTo
                  unitAmount
                  flatAmount
                }
                packageSize
                packageAmount
                includedQuantity
              }
            }

            fragment PolicyRuleFields on PolicyRule {
              ptype
              subject
              domain
              resource
              action
              role
            }

            fragment PolicyVersionFields on PolicyVersion {
              id
              number
              contentHash
              createdAt
              createdBy
              summary
            }

            fragment PublisherFields on Publisher {
              id
              namespace
              displayName
              createdAt
            }

            fragment RoleFields on Role {
              id
              name
              description
              builtin
              permissions
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }

            fragment UserFields on User {
              id
              displayName
              email
              createdAt
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query, operation_name="Node", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Node.model_validate(data)

    async def nodes(self, ids: list[str], **kwargs: Any) -> Nodes:
        query = gql("""
            query Nodes($ids: [ID!]!) {
              nodes(ids: $ids) {
                __typename
                id
                ...NodeFields
              }
            }

            fragment ApiKeyFields on ApiKey {
              id
              name
              prefix
              scopes
              roles
              createdAt
              expiresAt
              revokedAt
              lastUsedAt
            }

            fragment AuditCheckpointFields on AuditCheckpoint {
              id
              chain
              size
              rootHash
              time
              keyId
              signature
              statement
            }

            fragment BudgetFields on Budget {
              id
              name
              target
              threshold
              hardLimit
              createdAt
              meter {
                ...MeterFields
              }
              alerts {
                period
                value
                threshold
                occurredAt
              }
            }

            fragment InvoiceLineFields on InvoiceLine {
              kind
              description
              periodStart
              periodEnd
              quantity
              amount {
                ...MoneyFields
              }
              publisherShare {
                ...MoneyFields
              }
              meter {
                id
                key
                name
                unit
              }
              package {
                id
                fullName
                title
              }
            }

            fragment MembershipFields on Membership {
              id
              createdAt
              roles
              user {
                ...UserFields
              }
              organization {
                ...OrganizationFields
              }
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }

            fragment MoneyFields on Money {
              amount
              currency
            }

            fragment NodeFields on Node {
              ... on ApiKey {
                ...ApiKeyFields
              }
              ... on AuditCheckpoint {
                ...AuditCheckpointFields
              }
              ... on AuditEntry {
                chain
                sequence
                time
                actor
                action
                auditTarget: target
                decision
                outcome
                risk
                reason
                requestId
                clientAddress
                inputDigest
                prevHash
                entryHash
              }
              ... on Budget {
                ...BudgetFields
              }
              ... on Install {
                active
                flag
                createdAt
                updatedAt
                package {
                  ...PackageFields
                }
                installedVersion: version {
                  id
                  version
                  status
                  statusReason
                  sha256
                  size
                  publishedAt
                }
              }
              ... on Invoice {
                invoiceNumber: number
                invoiceStatus: status
                currency
                period
                periodStart
                periodEnd
                subtotal {
                  ...MoneyFields
                }
                total {
                  ...MoneyFields
                }
                finalizedAt
                paidAt
                voidedAt
                voidReason
                paymentFailedAt
                stripeInvoiceId
                lines {
                  ...InvoiceLineFields
                }
              }
              ... on Membership {
                ...MembershipFields
              }
              ... on Meter {
                ...MeterFields
              }
              ... on Organization {
                ...OrganizationFields
              }
              ... on Package {
                ...PackageFields
              }
              ... on PackageVersion {
                ...PackageVersionFields
              }
              ... on Plan {
                ...PlanFields
              }
              ... on PolicyVersion {
                ...PolicyVersionFields
                rules {
                  ...PolicyRuleFields
                }
              }
              ... on Publisher {
                ...PublisherFields
              }
              ... on Role {
                ...RoleFields
              }
              ... on SigningIdentity {
                ...SigningIdentityFields
              }
              ... on User {
                ...UserFields
              }
            }

            fragment OrganizationFields on Organization {
              id
              slug
              name
              createdAt
              platformOperator
              marketplaceReviewer
            }

            fragment PackageFields on Package {
              id
              fullName
              name
              title
              description
              tags
              categories
              visibility
              license
              homepage
              pricing {
                model
                amount
                currency
              }
              installCount
              createdAt
              updatedAt
              publisher {
                id
                namespace
                displayName
              }
              latestVersion {
                id
                version
                status
              }
            }

            fragment PackageVersionFields on PackageVersion {
              id
              version
              status
              statusReason
              sha256
              size
              format
              manifest
              approvalsRequired
              createdAt
              publishedAt
              package {
                id
                fullName
                title
                visibility
              }
              verification {
                method
                identity
                issuer
                transparencyLogIndex
                integratedTime
                keyFingerprint
                signingIdentity {
                  ...SigningIdentityFields
                }
              }
              analysis {
                score
                level
                rulesVersion
                requiresManualReview
                violations {
                  rule
                  policy
                  severity
                  message
                  path
                }
              }
              transitions {
                fromStatus
                toStatus
                actor
                reason
                createdAt
              }
            }

            fragment PlanFields on Plan {
              id
              key
              name
              currency
              active
              monthlyFee {
                ...MoneyFields
              }
              prices {
                meter {
                  ...MeterFields
                }
                model
                unitAmount
                tiers {
                  upTo
                  unitAmount
                  flatAmount
                }
                packageSize
                packageAmount
                includedQuantity
              }
            }

            fragment PolicyRuleFields on PolicyRule {
              ptype
              subject
              domain
              resource
              action
              role
            }

            fragment PolicyVersionFields on PolicyVersion {
              id
              number
              contentHash
              createdAt
              createdBy
              summary
            }

            fragment PublisherFields on Publisher {
              id
              namespace
              displayName
              createdAt
            }

            fragment RoleFields on Role {
              id
              name
              description
              builtin
              permissions
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }

            fragment UserFields on User {
              id
              displayName
              email
              createdAt
            }
            """)
        variables: dict[str, object] = {"ids": ids}
        response = await self.execute(
            query=query, operation_name="Nodes", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Nodes.model_validate(data)

    async def create_role(self, input: CreateRoleInput, **kwargs: Any) -> CreateRole:
        query = gql("""
            mutation CreateRole($input: CreateRoleInput!) {
              createRole(input: $input) {
                role {
                  ...RoleFields
                }
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }

            fragment RoleFields on Role {
              id
              name
              description
              builtin
              permissions
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="CreateRole", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreateRole.model_validate(data)

    async def grant_permission(
        self, input: RolePermissionInput, **kwargs: Any
    ) -> GrantPermission:
        query = gql("""
            mutation GrantPermission($input: RolePermissionInput!) {
              grantPermission(input: $input) {
                role {
                  ...RoleFields
                }
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }

            fragment RoleFields on Role {
              id
              name
              description
              builtin
              permissions
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="GrantPermission", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return GrantPermission.model_validate(data)

    async def revoke_permission(
        self, input: RolePermissionInput, **kwargs: Any
    ) -> RevokePermission:
        query = gql("""
            mutation RevokePermission($input: RolePermissionInput!) {
              revokePermission(input: $input) {
                role {
                  ...RoleFields
                }
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }

            fragment RoleFields on Role {
              id
              name
              description
              builtin
              permissions
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="RevokePermission",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RevokePermission.model_validate(data)

    async def assign_role(
        self, input: RoleAssignmentInput, **kwargs: Any
    ) -> AssignRole:
        query = gql("""
            mutation AssignRole($input: RoleAssignmentInput!) {
              assignRole(input: $input) {
                subjectId
                roles
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="AssignRole", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return AssignRole.model_validate(data)

    async def unassign_role(
        self, input: RoleAssignmentInput, **kwargs: Any
    ) -> UnassignRole:
        query = gql("""
            mutation UnassignRole($input: RoleAssignmentInput!) {
              unassignRole(input: $input) {
                subjectId
                roles
                userErrors {
                  ...AuthErrorFields
                }
              }
            }

            fragment AuthErrorFields on AuthError {
              field
              message
              code
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="UnassignRole", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return UnassignRole.model_validate(data)

    async def authorize(
        self, subject_id: str, resource: str, action: str, **kwargs: Any
    ) -> Authorize:
        query = gql("""
            query Authorize($subjectId: ID!, $resource: String!, $action: String!) {
              authorize(subjectId: $subjectId, resource: $resource, action: $action) {
                allowed
                permission
                reason
                rule {
                  ...PolicyRuleFields
                }
                policyVersion
              }
            }

            fragment PolicyRuleFields on PolicyRule {
              ptype
              subject
              domain
              resource
              action
              role
            }
            """)
        variables: dict[str, object] = {
            "subjectId": subject_id,
            "resource": resource,
            "action": action,
        }
        response = await self.execute(
            query=query, operation_name="Authorize", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Authorize.model_validate(data)

    async def policy_diff(self, from_: int, to: int, **kwargs: Any) -> PolicyDiff:
        query = gql("""
            query PolicyDiff($from: Int!, $to: Int!) {
              policyDiff(from: $from, to: $to) {
                fromVersion {
                  ...PolicyVersionFields
                }
                toVersion {
                  ...PolicyVersionFields
                }
                added {
                  ...PolicyRuleFields
                }
                removed {
                  ...PolicyRuleFields
                }
              }
            }

            fragment PolicyRuleFields on PolicyRule {
              ptype
              subject
              domain
              resource
              action
              role
            }

            fragment PolicyVersionFields on PolicyVersion {
              id
              number
              contentHash
              createdAt
              createdBy
              summary
            }
            """)
        variables: dict[str, object] = {"from": from_, "to": to}
        response = await self.execute(
            query=query, operation_name="PolicyDiff", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return PolicyDiff.model_validate(data)

    async def organization_policy_versions(
        self,
        slug: str,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> OrganizationPolicyVersions:
        query = gql("""
            query OrganizationPolicyVersions($slug: String!, $first: Int, $after: String) {
              organization(slug: $slug) {
                id
                policyVersions(first: $first, after: $after) {
                  totalCount
                  pageInfo {
                    ...PageInfoFields
                  }
                  nodes {
                    ...PolicyVersionFields
                  }
                }
              }
            }

            fragment PageInfoFields on PageInfo {
              hasNextPage
              hasPreviousPage
              startCursor
              endCursor
            }

            fragment PolicyVersionFields on PolicyVersion {
              id
              number
              contentHash
              createdAt
              createdBy
              summary
            }
            """)
        variables: dict[str, object] = {"slug": slug, "first": first, "after": after}
        response = await self.execute(
            query=query,
            operation_name="OrganizationPolicyVersions",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return OrganizationPolicyVersions.model_validate(data)

    async def revenue_by_month(
        self,
        from_: Union[Optional[str], UnsetType] = UNSET,
        to: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> RevenueByMonth:
        query = gql("""
            query RevenueByMonth($from: String, $to: String) {
              revenueByMonth(from: $from, to: $to) {
                month
                amount {
                  ...MoneyFields
                }
                publisherShare {
                  ...MoneyFields
                }
                count
              }
            }

            fragment MoneyFields on Money {
              amount
              currency
            }
            """)
        variables: dict[str, object] = {"from": from_, "to": to}
        response = await self.execute(
            query=query, operation_name="RevenueByMonth", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RevenueByMonth.model_validate(data)

    async def revenue_by_package(
        self,
        from_: Union[Optional[str], UnsetType] = UNSET,
        to: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> RevenueByPackage:
        query = gql("""
            query RevenueByPackage($from: String, $to: String) {
              revenueByPackage(from: $from, to: $to) {
                packageId
                amount {
                  ...MoneyFields
                }
                publisherShare {
                  ...MoneyFields
                }
                count
                package {
                  id
                  fullName
                  title
                }
              }
            }

            fragment MoneyFields on Money {
              amount
              currency
            }
            """)
        variables: dict[str, object] = {"from": from_, "to": to}
        response = await self.execute(
            query=query,
            operation_name="RevenueByPackage",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RevenueByPackage.model_validate(data)

    async def revenue_by_publisher(
        self,
        from_: Union[Optional[str], UnsetType] = UNSET,
        to: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> RevenueByPublisher:
        query = gql("""
            query RevenueByPublisher($from: String, $to: String) {
              revenueByPublisher(from: $from, to: $to) {
                publisherId
                amount {
                  ...MoneyFields
                }
                publisherShare {
                  ...MoneyFields
                }
                count
                publisher {
                  ...PublisherFields
                }
              }
            }

            fragment MoneyFields on Money {
              amount
              currency
            }

            fragment PublisherFields on Publisher {
              id
              namespace
              displayName
              createdAt
            }
            """)
        variables: dict[str, object] = {"from": from_, "to": to}
        response = await self.execute(
            query=query,
            operation_name="RevenueByPublisher",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RevenueByPublisher.model_validate(data)

    async def review_queue(
        self,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        last: Union[Optional[int], UnsetType] = UNSET,
        before: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> ReviewQueue:
        query = gql("""
            query ReviewQueue($first: Int, $after: String, $last: Int, $before: String) {
              reviewQueue(first: $first, after: $after, last: $last, before: $before) {
                totalCount
                pageInfo {
                  ...PageInfoFields
                }
                nodes {
                  ...PackageVersionFields
                }
              }
            }

            fragment PackageVersionFields on PackageVersion {
              id
              version
              status
              statusReason
              sha256
              size
              format
              manifest
              approvalsRequired
              createdAt
              publishedAt
              package {
                id
                fullName
                title
                visibility
              }
              verification {
                method
                identity
                issuer
                transparencyLogIndex
                integratedTime
                keyFingerprint
                signingIdentity {
                  ...SigningIdentityFields
                }
              }
              analysis {
                score
                level
                rulesVersion
                requiresManualReview
                violations {
                  rule
                  policy
                  severity
                  message
                  path
                }
              }
              transitions {
                fromStatus
                toStatus
                actor
                reason
                createdAt
              }
            }

            fragment PageInfoFields on PageInfo {
              hasNextPage
              hasPreviousPage
              startCursor
              endCursor
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }
            """)
        variables: dict[str, object] = {
            "first": first,
            "after": after,
            "last": last,
            "before": before,
        }
        response = await self.execute(
            query=query, operation_name="ReviewQueue", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ReviewQueue.model_validate(data)

    async def start_review(self, input: ReviewInput, **kwargs: Any) -> StartReview:
        query = gql("""
            mutation StartReview($input: ReviewInput!) {
              startReview(input: $input) {
                version {
                  ...PackageVersionFields
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }

            fragment PackageVersionFields on PackageVersion {
              id
              version
              status
              statusReason
              sha256
              size
              format
              manifest
              approvalsRequired
              createdAt
              publishedAt
              package {
                id
                fullName
                title
                visibility
              }
              verification {
                method
                identity
                issuer
                transparencyLogIndex
                integratedTime
                keyFingerprint
                signingIdentity {
                  ...SigningIdentityFields
                }
              }
              analysis {
                score
                level
                rulesVersion
                requiresManualReview
                violations {
                  rule
                  policy
                  severity
                  message
                  path
                }
              }
              transitions {
                fromStatus
                toStatus
                actor
                reason
                createdAt
              }
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="StartReview", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return StartReview.model_validate(data)

    async def approve_version(
        self, input: ReviewInput, **kwargs: Any
    ) -> ApproveVersion:
        query = gql("""
            mutation ApproveVersion($input: ReviewInput!) {
              approveVersion(input: $input) {
                version {
                  ...PackageVersionFields
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }

            fragment PackageVersionFields on PackageVersion {
              id
              version
              status
              statusReason
              sha256
              size
              format
              manifest
              approvalsRequired
              createdAt
              publishedAt
              package {
                id
                fullName
                title
                visibility
              }
              verification {
                method
                identity
                issuer
                transparencyLogIndex
                integratedTime
                keyFingerprint
                signingIdentity {
                  ...SigningIdentityFields
                }
              }
              analysis {
                score
                level
                rulesVersion
                requiresManualReview
                violations {
                  rule
                  policy
                  severity
                  message
                  path
                }
              }
              transitions {
                fromStatus
                toStatus
                actor
                reason
                createdAt
              }
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="ApproveVersion", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ApproveVersion.model_validate(data)

    async def reject_version(self, input: ReviewInput, **kwargs: Any) -> RejectVersion:
        query = gql("""
            mutation RejectVersion($input: ReviewInput!) {
              rejectVersion(input: $input) {
                version {
                  ...PackageVersionFields
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }

            fragment PackageVersionFields on PackageVersion {
              id
              version
              status
              statusReason
              sha256
              size
              format
              manifest
              approvalsRequired
              createdAt
              publishedAt
              package {
                id
                fullName
                title
                visibility
              }
              verification {
                method
                identity
                issuer
                transparencyLogIndex
                integratedTime
                keyFingerprint
                signingIdentity {
                  ...SigningIdentityFields
                }
              }
              analysis {
                score
                level
                rulesVersion
                requiresManualReview
                violations {
                  rule
                  policy
                  severity
                  message
                  path
                }
              }
              transitions {
                fromStatus
                toStatus
                actor
                reason
                createdAt
              }
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="RejectVersion", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RejectVersion.model_validate(data)

    async def yank_version(self, input: ReviewInput, **kwargs: Any) -> YankVersion:
        query = gql("""
            mutation YankVersion($input: ReviewInput!) {
              yankVersion(input: $input) {
                version {
                  ...PackageVersionFields
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }

            fragment PackageVersionFields on PackageVersion {
              id
              version
              status
              statusReason
              sha256
              size
              format
              manifest
              approvalsRequired
              createdAt
              publishedAt
              package {
                id
                fullName
                title
                visibility
              }
              verification {
                method
                identity
                issuer
                transparencyLogIndex
                integratedTime
                keyFingerprint
                signingIdentity {
                  ...SigningIdentityFields
                }
              }
              analysis {
                score
                level
                rulesVersion
                requiresManualReview
                violations {
                  rule
                  policy
                  severity
                  message
                  path
                }
              }
              transitions {
                fromStatus
                toStatus
                actor
                reason
                createdAt
              }
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="YankVersion", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return YankVersion.model_validate(data)

    async def revoke_version(self, input: ReviewInput, **kwargs: Any) -> RevokeVersion:
        query = gql("""
            mutation RevokeVersion($input: ReviewInput!) {
              revokeVersion(input: $input) {
                version {
                  ...PackageVersionFields
                }
                userErrors {
                  ...MarketplaceErrorFields
                }
              }
            }

            fragment MarketplaceErrorFields on MarketplaceError {
              field
              message
              code
            }

            fragment PackageVersionFields on PackageVersion {
              id
              version
              status
              statusReason
              sha256
              size
              format
              manifest
              approvalsRequired
              createdAt
              publishedAt
              package {
                id
                fullName
                title
                visibility
              }
              verification {
                method
                identity
                issuer
                transparencyLogIndex
                integratedTime
                keyFingerprint
                signingIdentity {
                  ...SigningIdentityFields
                }
              }
              analysis {
                score
                level
                rulesVersion
                requiresManualReview
                violations {
                  rule
                  policy
                  severity
                  message
                  path
                }
              }
              transitions {
                fromStatus
                toStatus
                actor
                reason
                createdAt
              }
            }

            fragment SigningIdentityFields on SigningIdentity {
              id
              kind
              name
              issuer
              identity
              publicKey
              keyAlgorithm
              keyFingerprint
              createdAt
              revokedAt
              revokedReason
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="RevokeVersion", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RevokeVersion.model_validate(data)

    async def report_usage(self, input: ReportUsageInput, **kwargs: Any) -> ReportUsage:
        query = gql("""
            mutation ReportUsage($input: ReportUsageInput!) {
              reportUsage(input: $input) {
                accepted
                duplicates
                userErrors {
                  ...BillingErrorFields
                }
              }
            }

            fragment BillingErrorFields on BillingError {
              field
              message
              code
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="ReportUsage", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ReportUsage.model_validate(data)

    async def usage_summary(
        self,
        meter: str,
        period: Union[Optional[str], UnsetType] = UNSET,
        granularity: Union[Optional[UsageGranularity], UnsetType] = UNSET,
        organization_id: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> UsageSummary:
        query = gql("""
            query UsageSummary($meter: String!, $period: String, $granularity: UsageGranularity, $organizationId: ID) {
              usageSummary(
                meter: $meter
                period: $period
                granularity: $granularity
                organizationId: $organizationId
              ) {
                meter {
                  ...MeterFields
                }
                period
                granularity
                total
                buckets {
                  start
                  value
                }
              }
            }

            fragment MeterFields on Meter {
              id
              key
              name
              unit
              aggregation
              property
              filter
              builtin
            }
            """)
        variables: dict[str, object] = {
            "meter": meter,
            "period": period,
            "granularity": granularity,
            "organizationId": organization_id,
        }
        response = await self.execute(
            query=query, operation_name="UsageSummary", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return UsageSummary.model_validate(data)
