"""Typed domain exceptions. Each carries a stable `code` and, for input faults, the `field` at fault.

Resolvers turn them into `userErrors` (expected failures of a mutation) or into top-level
errors with `extensions.code` (authentication, authorization, not found on queries).
"""

from __future__ import annotations

import uuid


class DomainError(Exception):
    code: str = "INVALID"
    # Most failures leave nothing behind (the mutation's savepoint is rolled back). A few must
    # keep what they wrote, e.g. a reused refresh token revokes its whole family and then fails.
    keeps_changes: bool = False

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class InvalidInput(DomainError):
    code = "INVALID"


class NotFound(DomainError):
    """The object does not exist *for this principal*: other tenants' objects are not found either."""

    code = "NOT_FOUND"


class Conflict(DomainError):
    code = "CONFLICT"


class PermissionDenied(DomainError):
    code = "FORBIDDEN"


class AuthenticationFailed(DomainError):
    """The credentials presented are not acceptable; `reason` says why, e.g. TOKEN_EXPIRED."""

    code = "UNAUTHENTICATED"

    def __init__(
        self,
        message: str,
        *,
        reason: str = "UNAUTHENTICATED",
        code: str | None = None,
        subject: str | None = None,
        organization_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.reason = reason
        # Who a genuine but refused credential names (an expired token, a revoked key), for the audit
        # log; None when the credential names no one we know (forged, malformed, unknown).
        self.subject = subject
        self.organization_id = organization_id
