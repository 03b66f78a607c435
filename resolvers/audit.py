"""Audit entries for GraphQL: one per mutation field (whatever its outcome), one per refused read.

`AuditTrail` wraps every root mutation field (schema.build_schema attaches it, outermost), so a
mutation answered with data, with userErrors, with a refusal or with an unexpected error writes
exactly one entry, in the request's transaction. `record_denials` does the same for FORBIDDEN and
UNAUTHENTICATED errors of queries (called by the AuditDenials extension before the commit).
"""

from __future__ import annotations

import dataclasses
import inspect
import uuid
from collections.abc import Iterable
from typing import Any

from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.base import get_object_definition
from strawberry.utils.str_converters import to_camel_case

from domain.audit import entries
from domain.audit.digest import input_digest
from domain.errors import AuthenticationFailed, DomainError, PermissionDenied
from domain.principal import Principal, PrincipalKind
from resolvers.context import Context
from resolvers.ids import from_global_id

DENIAL_CODES = frozenset({"FORBIDDEN", "UNAUTHENTICATED"})
# userErrors codes that are a refusal of who is asking, not of what was asked.
DENYING_USER_ERRORS = DENIAL_CODES | {
    "INVALID_CREDENTIALS",
    "INVALID_REFRESH_TOKEN",
    "REFRESH_TOKEN_EXPIRED",
    "REFRESH_TOKEN_REUSED",
    "PERMISSION_ESCALATION",
}


def actor_of(principal: Principal) -> str:
    if principal.kind is PrincipalKind.SYSTEM:
        return "system"
    if not principal.is_authenticated:
        return "anonymous"
    return principal.subject


def _global_ids(value: Any, depth: int = 0) -> Iterable[str]:
    """Global IDs among an input's `id`/`…Id` fields, in declaration order."""
    if depth > 3 or not dataclasses.is_dataclass(value) or isinstance(value, type):
        return
    for field in dataclasses.fields(value):
        item = getattr(value, field.name)
        if (field.name == "id" or field.name.endswith("_id")) and isinstance(item, str):
            if from_global_id(item) is not None:
                yield item
        elif dataclasses.is_dataclass(item):
            yield from _global_ids(item, depth + 1)


def _result_node(result: Any) -> Any:
    if result is None or not dataclasses.is_dataclass(result):
        return None
    for field in dataclasses.fields(result):
        if field.name == "user_errors":
            continue
        item = getattr(result, field.name, None)
        node_id = getattr(item, "id", None)
        if isinstance(node_id, str) and from_global_id(node_id) is not None:
            return item
    return None


def _target(kwargs: dict[str, Any], result: Any) -> str | None:
    for value in kwargs.values():
        if isinstance(value, str) and from_global_id(value) is not None:
            return value
        for found in _global_ids(value):
            return found
    node = _result_node(result)
    return str(node.id) if node is not None else None


def _uuid_of(global_id: Any, type_name: str) -> uuid.UUID | None:
    decoded = from_global_id(global_id) if isinstance(global_id, str) else None
    return decoded[1] if decoded is not None and decoded[0] == type_name else None


def _who(principal: Principal, result: Any) -> tuple[str, uuid.UUID | None]:
    """Actor and chain organization. Signing up or in, the caller is who the session is for."""
    actor, organization_id = actor_of(principal), principal.organization_id
    session = getattr(result, "session", None)  # sign-up, log-in and refresh payloads
    if session is not None:
        result = session
    elif principal.is_authenticated:
        return actor, organization_id
    user = _uuid_of(getattr(getattr(result, "user", None), "id", None), "User")
    if user is not None:
        organization = _uuid_of(getattr(getattr(result, "organization", None), "id", None), "Organization")
        return f"user:{user}", organization
    return actor, organization_id


def _error_code(error: BaseException) -> str | None:
    if isinstance(error, GraphQLError):
        code = (error.extensions or {}).get("code")
        return str(code) if code else None
    if isinstance(error, PermissionDenied | AuthenticationFailed):
        return error.code
    if isinstance(error, DomainError):
        return str(error.code)
    return None


def _record_mutation(
    info: Info[Context, Any],
    kwargs: dict[str, Any],
    *,
    result: Any = None,
    error: BaseException | None = None,
) -> None:
    context = info.context
    principal = context.principal
    if error is not None:
        code = _error_code(error)
        denied = code in DENIAL_CODES
        outcome, reason = ("DENIED", code) if denied else ("FAILED", code or "INTERNAL_SERVER_ERROR")
    else:
        codes = [str(getattr(e.code, "value", e.code)) for e in getattr(result, "user_errors", None) or []]
        denied = any(code in DENYING_USER_ERRORS for code in codes)
        outcome = "DENIED" if denied else ("REJECTED" if codes else "SUCCEEDED")
        reason = ",".join(sorted(set(codes)))[:200] or None
    actor, organization_id = _who(principal, result)
    entries.record(
        context.session,
        organization_id=organization_id,
        actor=actor,
        action=info.field_name,
        decision="DENY" if denied else "ALLOW",
        outcome=outcome,
        target=_target(kwargs, result),
        reason=reason,
        request_id=context.request_id,
        client_address=principal.client_address,
        input_digest=input_digest(_as_sent(kwargs)),
    )


def _as_sent(value: Any) -> Any:
    """Arguments under the names the client used (GraphQL's camelCase), so an auditor holding the
    request can recompute the input digest."""
    if isinstance(value, dict):
        return {to_camel_case(str(k)): _as_sent(v) for k, v in value.items()}
    definition = get_object_definition(value)
    if definition is not None:
        return {
            f.graphql_name or to_camel_case(f.python_name): _as_sent(getattr(value, f.python_name))
            for f in definition.fields
            if type(getattr(value, f.python_name)).__name__ != "UnsetType"
        }
    if isinstance(value, list | tuple):
        return [_as_sent(v) for v in value]
    return value


class AuditTrail(FieldExtension):
    """One audit entry per resolved mutation field."""

    def resolve(self, next_: Any, source: Any, info: Info[Context, Any], **kwargs: Any) -> Any:
        try:
            result = next_(source, info, **kwargs)
        except Exception as error:
            _record_mutation(info, kwargs, error=error)
            raise
        _record_mutation(info, kwargs, result=result)
        return result

    async def resolve_async(self, next_: Any, source: Any, info: Info[Context, Any], **kwargs: Any) -> Any:
        try:
            result = next_(source, info, **kwargs)
            if inspect.isawaitable(result):
                result = await result
        except Exception as error:
            _record_mutation(info, kwargs, error=error)
            raise
        _record_mutation(info, kwargs, result=result)
        return result


def record_denials(context: Context, errors: Iterable[GraphQLError], *, skip_root_mutations: bool) -> None:
    """An entry for each FORBIDDEN/UNAUTHENTICATED error of an authenticated caller's read.

    Anonymous callers' refused reads carry no identity and would let anyone grow the platform
    chain; they are counted in metrics, not audited (docs/audit.md)."""
    principal = context.principal
    if not principal.is_authenticated:
        return
    for error in errors:
        original = error.original_error or error
        code = _error_code(original)
        if code not in DENIAL_CODES:
            continue
        path = [str(p) for p in error.path or [] if not isinstance(p, int)]
        if skip_root_mutations and len(path) <= 1:
            continue  # AuditTrail wrote the mutation's own entry
        entries.record(
            context.session,
            organization_id=principal.organization_id,
            actor=actor_of(principal),
            action="read:" + ".".join(path) if path else "read",
            decision="DENY",
            outcome="DENIED",
            reason=code,
            request_id=context.request_id,
            client_address=principal.client_address,
            read=True,
        )


def record_refused_credential(
    session: AsyncSession,
    error: AuthenticationFailed,
    *,
    request_id: str | None,
    client_address: str | None,
) -> None:
    """Queue an entry for a genuine credential that was refused (an expired token, a revoked or
    expired API key, a removed member's token); the caller commits `session`, since the request
    ends with 401. Forged and unknown credentials name no one and are not audited (they would let
    anyone grow a chain); they are counted in metrics."""
    if error.subject is None:
        return
    entries.record(
        session,
        organization_id=error.organization_id,
        actor=error.subject,
        action="authenticate",
        decision="DENY",
        outcome="DENIED",
        reason=error.reason,
        request_id=request_id,
        client_address=client_address,
        read=True,
    )
