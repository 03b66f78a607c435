"""ATOM Cloud's Python SDK: async and sync clients generated from the GraphQL schema, with credentials
that refresh themselves, typed errors, authenticated subscriptions and helpers for the marketplace,
usage and audit journeys. See docs/sdk-python.md."""

from atom_sdk.auth import ApiKeyAuth, AtomAuth, TokenAuth, Tokens
from atom_sdk.client import AsyncAtomClient, AtomClient
from atom_sdk.errors import (
    AtomError,
    BadUserInput,
    ChecksumMismatch,
    Forbidden,
    GraphQLRequestError,
    HttpError,
    NotFound,
    PaginationError,
    SubscriptionClosed,
    Unauthenticated,
    UploadFailed,
    UserError,
    UserErrorsError,
    raise_for_user_errors,
)
from atom_sdk.generated.aio.enums import (
    AuditErrorCode,
    AuditRisk,
    AuthErrorCode,
    BillingErrorCode,
    CatalogSort,
    MarketplaceErrorCode,
    VersionStatus,
    Visibility,
)
from atom_sdk.pagination import paginate, paginate_async
from atom_sdk.signing import load_signing_key, public_key_pem, sign_digest
from atom_sdk.usage import UsageRejected, UsageReport

__all__ = [
    "ApiKeyAuth",
    "AsyncAtomClient",
    "AtomAuth",
    "AtomClient",
    "AtomError",
    "AuditErrorCode",
    "AuditRisk",
    "AuthErrorCode",
    "BadUserInput",
    "BillingErrorCode",
    "CatalogSort",
    "ChecksumMismatch",
    "Forbidden",
    "GraphQLRequestError",
    "HttpError",
    "MarketplaceErrorCode",
    "NotFound",
    "PaginationError",
    "SubscriptionClosed",
    "TokenAuth",
    "Tokens",
    "Unauthenticated",
    "UploadFailed",
    "UsageRejected",
    "UsageReport",
    "UserError",
    "UserErrorsError",
    "VersionStatus",
    "Visibility",
    "load_signing_key",
    "paginate",
    "paginate_async",
    "public_key_pem",
    "raise_for_user_errors",
    "sign_digest",
]
