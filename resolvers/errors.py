"""Top-level GraphQL errors with `extensions.code`, and the one place domain errors become userErrors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError

from domain.errors import AuthenticationFailed, DomainError, PermissionDenied


class ApiError(GraphQLError):
    """An expected top-level error. Never masked; its `code` goes to `extensions.code`."""

    def __init__(self, message: str, code: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": code, **extensions})


def unauthenticated(message: str = "Authentication required.", reason: str | None = None) -> ApiError:
    return ApiError(message, "UNAUTHENTICATED", **({"reason": reason} if reason else {}))


def forbidden(message: str = "You are not allowed to do this.") -> ApiError:
    return ApiError(message, "FORBIDDEN")


def bad_user_input(message: str, field: str | None = None, *, reason: str | None = None) -> ApiError:
    extensions = {"field": field, "reason": reason}
    return ApiError(message, "BAD_USER_INPUT", **{k: v for k, v in extensions.items() if v})


def top_level(error: DomainError) -> ApiError:
    """A domain error raised while *reading*: queries have no userErrors."""
    if isinstance(error, AuthenticationFailed):
        return unauthenticated(error.message, error.reason)
    if isinstance(error, PermissionDenied):
        return forbidden(error.message)
    return ApiError(
        error.message, "BAD_USER_INPUT", reason=error.code, **({"field": error.field} if error.field else {})
    )


@dataclass(frozen=True, slots=True)
class UserErrorData:
    message: str
    code: str
    field: str | None = None

    @classmethod
    def from_domain(cls, error: DomainError) -> UserErrorData:
        return cls(error.message, str(error.code), error.field)
