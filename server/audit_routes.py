"""HTTP routes of the audit log: the NDJSON export for SIEM tools and the checkpoint keys.

`GET /audit/export` takes the same filters as `auditLog` (query parameters `platform`, `actor`,
`action`, `target`, `minimumRisk`, `from`, `to`) and the same authorization (`audit:read`), and
streams one JSON object per line in chain order: the entry's hashed fields plus `entryHash`, so
an auditor can recompute every hash from the export alone (docs/audit.md).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from domain.audit import checkpoints, entries, service
from domain.audit.risk import Risk
from domain.audit.service import AuditFilter
from domain.auth.policies import Authorizer
from domain.errors import DomainError
from resolvers.audit import actor_of
from server.graphql import HTTPGraphQLError, authenticate

router = APIRouter()

_FILTERS = {"platform", "actor", "action", "target", "minimumRisk", "from", "to"}


def _bad(message: str, field: str) -> HTTPGraphQLError:
    return HTTPGraphQLError(400, message, "BAD_USER_INPUT", field=field)


def _time(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _bad(f"`{field}` is not an ISO 8601 date-time.", field) from exc
    if parsed.tzinfo is None:
        raise _bad(f"`{field}` needs a UTC offset.", field)
    return parsed


def _filter(request: Request) -> AuditFilter:
    params = request.query_params
    unknown = sorted(set(params) - _FILTERS)
    if unknown:
        raise _bad(f"Unknown parameter `{unknown[0]}`.", unknown[0])
    platform = params.get("platform", "false").lower()
    if platform not in ("true", "false"):
        raise _bad("`platform` is true or false.", "platform")
    risk = params.get("minimumRisk")
    if risk is not None and risk not in Risk.__members__:
        raise _bad(f"`minimumRisk` is one of {', '.join(Risk.__members__)}.", "minimumRisk")
    where = AuditFilter(
        platform=platform == "true",
        actor=params.get("actor"),
        action=params.get("action"),
        target=params.get("target"),
        minimum_risk=Risk[risk] if risk is not None else None,
        since=_time(params.get("from"), "from"),
        until=_time(params.get("to"), "to"),
    )
    try:
        return where.checked()
    except DomainError as error:
        raise _bad(error.message, error.field or "filter") from error


@router.get("/audit/export", include_in_schema=False)
async def export(request: Request) -> StreamingResponse:
    where = _filter(request)
    runtime = request.app.state.runtime
    sessionmaker = request.app.state.sessionmaker
    request_id = request.scope.get("state", {}).get("request_id")
    async with sessionmaker() as session:  # committed below; a refused credential commits its own entry
        principal = await authenticate(
            session,
            runtime,
            request.headers,
            request_id=request_id or "-",
            client_address=request.client.host if request.client else None,
        )
        if not principal.is_authenticated:
            raise HTTPGraphQLError(401, "Authentication required.", "UNAUTHENTICATED")
        decision = await Authorizer(session, runtime.policy_engine).decide(principal, "audit:read")
        try:
            chain = (
                await service.chain_for(session, principal, platform=where.platform)
                if decision.allowed
                else None
            )
        except DomainError:
            chain = None
        entries.record(
            session,
            organization_id=principal.organization_id,
            actor=actor_of(principal),
            action="audit.export",
            decision="ALLOW" if chain else "DENY",
            outcome="SUCCEEDED" if chain else "DENIED",
            reason=None if chain else "FORBIDDEN",
            request_id=request_id,
            client_address=principal.client_address,
            read=True,
        )
        await session.commit()
    if chain is None:
        raise HTTPGraphQLError(403, "Missing permission audit:read.", "FORBIDDEN")

    async def lines() -> AsyncIterator[bytes]:
        async for entry in service.export(sessionmaker, chain, where):
            yield json.dumps(service.export_line(entry), separators=(",", ":")).encode() + b"\n"

    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="audit.ndjson"', "Cache-Control": "no-store"},
    )


@router.get("/.well-known/audit-keys.json", include_in_schema=False)
async def audit_keys(request: Request) -> JSONResponse:
    """Public keys of every checkpoint signature, retired keys included: old checkpoints stay
    verifiable after their key has left the token JWKS."""
    async with request.app.state.sessionmaker() as session:
        keys = await checkpoints.public_keys(session)
    return JSONResponse(keys, headers={"Cache-Control": "public, max-age=300"})
