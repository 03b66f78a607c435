"""The SDK's exceptions: top-level GraphQL errors by `extensions.code`, a mutation's `userErrors`, and
the failures of uploads and subscriptions. Every one of them is an `AtomError`."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from atom_sdk.generated.aio import enums as _enums

T = TypeVar("T")


class AtomError(Exception):
    """Base of every error the SDK raises."""


class HttpError(AtomError):
    """An HTTP answer that carries no GraphQL errors (a proxy's 502, an upload URL that refused the bytes)."""

    def __init__(self, status_code: int, body: str, message: str | None = None) -> None:
        super().__init__(message or f"HTTP {status_code}: {body[:200]}")
        self.status_code = status_code
        self.body = body


class UploadFailed(HttpError):
    """The artifact's bytes were not accepted by the upload URL."""


class ChecksumMismatch(AtomError):
    """The server stored other bytes than the SDK read and signed."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"The server's sha256 {actual} is not the artifact's {expected}.")
        self.expected = expected
        self.actual = actual


class PaginationError(AtomError):
    """A connection's pages do not chain: `hasNextPage` with no `endCursor`, or a cursor given again
    (which would loop). `cursor` is the offending one (None when missing)."""

    def __init__(self, message: str, cursor: str | None) -> None:
        super().__init__(message)
        self.cursor = cursor


class SubscriptionClosed(AtomError):
    """A subscription's WebSocket closed before the server completed the stream: a clean close
    (1000, 1001) as well as an error code (see docs/subscriptions.md); `close_code` is None when the
    connection was lost without a close frame."""

    def __init__(self, close_code: int | None, reason: str) -> None:
        super().__init__(
            f"WebSocket closed ({close_code}): {reason}" if reason else f"WebSocket closed ({close_code})"
        )
        self.close_code = close_code
        self.reason = reason


class GraphQLRequestError(AtomError):
    """A top-level GraphQL error; `code` is its `extensions.code`, `errors` all errors of the answer."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        path: Sequence[str | int] | None = None,
        extensions: Mapping[str, Any] | None = None,
        errors: Sequence[GraphQLRequestError] = (),
        data: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.path = list(path) if path else None
        self.extensions: dict[str, Any] = dict(extensions or {})
        self.reason: str | None = self.extensions.get("reason")
        self.field: str | None = self.extensions.get("field")
        self.errors: list[GraphQLRequestError] = list(errors) or [self]
        self.data = data


class Unauthenticated(GraphQLRequestError):
    """No credential, or one the server refuses (`reason`: TOKEN_EXPIRED, API_KEY_REVOKED...)."""


class Forbidden(GraphQLRequestError):
    """The caller lacks the permission."""


class NotFound(GraphQLRequestError):
    """The object does not exist for this caller: `code` NOT_FOUND, or BAD_USER_INPUT with `reason`
    NOT_FOUND (how queries report it)."""


class BadUserInput(GraphQLRequestError):
    """An argument the server refuses; `field` and `reason` say which and why."""


_BY_CODE: dict[str, type[GraphQLRequestError]] = {
    "UNAUTHENTICATED": Unauthenticated,
    "FORBIDDEN": Forbidden,
    "NOT_FOUND": NotFound,
    "BAD_USER_INPUT": BadUserInput,
}


def _one_error(error: Mapping[str, Any], data: Mapping[str, Any] | None) -> GraphQLRequestError:
    extensions = error.get("extensions") or {}
    code = str(extensions.get("code") or "UNKNOWN")
    cls = NotFound if extensions.get("reason") == "NOT_FOUND" else _BY_CODE.get(code, GraphQLRequestError)
    return cls(
        str(error.get("message") or code),
        code=code,
        path=error.get("path"),
        extensions=extensions,
        data=data,
    )


def graphql_error(
    errors: Sequence[Mapping[str, Any]], data: Mapping[str, Any] | None = None
) -> GraphQLRequestError:
    """The typed exception for an answer's `errors`: the first one's class, all of them in `.errors`."""
    typed = [_one_error(error, data) for error in errors] or [
        GraphQLRequestError("Empty errors list.", code="UNKNOWN", data=data)
    ]
    first = typed[0]
    first.errors = typed
    return first


def raise_for_response(status_code: int, body: Any, text: str = "") -> dict[str, Any]:
    """The `data` of a GraphQL HTTP answer, or the typed exception for its errors or status."""
    if isinstance(body, Mapping) and body.get("errors"):
        raise graphql_error(body["errors"], body.get("data"))
    if not 200 <= status_code <= 299:
        raise HttpError(status_code, text)
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), Mapping):
        raise HttpError(status_code, text, "The answer is not a GraphQL response.")
    return dict(body["data"])


@dataclass(frozen=True)
class UserError:
    """One entry of a mutation payload's `userErrors`."""

    code: str
    field: str | None
    message: str


def _code(value: Any) -> str:
    # The sync and async generated packages have their own (equal) enums: answer with the ones
    # `atom_sdk` exports, so `error.code is MarketplaceErrorCode.X` holds for both clients.
    if isinstance(value, enum.Enum):
        exported = getattr(_enums, type(value).__name__, None)
        if isinstance(exported, type) and issubclass(exported, enum.Enum):
            try:
                return cast(str, exported(value.value))
            except ValueError:
                pass
        return str(value.value)
    return str(value)


class UserErrorsError(AtomError):
    """A mutation answered with `userErrors`; `code`, `field`, `message` are the first one's."""

    def __init__(self, code: str, field: str | None, message: str, errors: Iterable[UserError] = ()) -> None:
        shown = code.value if isinstance(code, enum.Enum) else code
        super().__init__(f"{shown}{f' ({field})' if field else ''}: {message}")
        self.code = code
        self.field = field
        self.message = message
        self.errors = list(errors) or [UserError(code, field, message)]

    @classmethod
    def from_user_errors(cls, user_errors: Iterable[Any]) -> UserErrorsError:
        """From generated models (or dicts) with `code`, `field` and `message`."""
        errors = []
        for error in user_errors:
            get = error.get if isinstance(error, Mapping) else lambda name, e=error: getattr(e, name, None)
            errors.append(UserError(_code(get("code")), get("field"), str(get("message") or "")))
        first = errors[0]
        return cls(first.code, first.field, first.message, errors)


def raise_for_user_errors(payload: T) -> T:
    """`payload` when its `userErrors` (a generated model's `user_errors`) are empty, else raises
    `UserErrorsError`."""
    if isinstance(payload, Mapping):
        user_errors = payload.get("userErrors") or payload.get("user_errors")
    else:
        user_errors = getattr(payload, "user_errors", None)
    if user_errors:
        raise UserErrorsError.from_user_errors(user_errors)
    return payload


_EVENT_INDEX = re.compile(r"^events\[(\d+)\]")


def shift_event_fields(error: UserErrorsError, offset: int) -> UserErrorsError:
    """`error` with `events[i]` fields renumbered by `offset`: batch positions become positions in the
    caller's whole list."""
    if not offset:
        return error

    def shifted(field: str | None) -> str | None:
        if field is None:
            return None
        return _EVENT_INDEX.sub(lambda m: f"events[{int(m.group(1)) + offset}]", field)

    errors = [UserError(e.code, shifted(e.field), e.message) for e in error.errors]
    return UserErrorsError(error.code, shifted(error.field), error.message, errors)


def websocket_closed(close_code: int | None, reason: str) -> AtomError:
    """The exception for a subscription WebSocket the server closed."""
    if close_code in (4401, 4403):
        return Unauthenticated(
            reason or "The server refused the connection's credential.",
            code="UNAUTHENTICATED",
            extensions={"code": "UNAUTHENTICATED", "closeCode": close_code},
        )
    return SubscriptionClosed(close_code, reason)
