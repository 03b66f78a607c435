"""HTTP routes that are not GraphQL: liveness, readiness, Prometheus metrics and the JWKS (P-4, P-8)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from server.migrate import current_revision, head_revision

router = APIRouter()


@router.get("/health", include_in_schema=False)
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", include_in_schema=False)
async def ready(request: Request) -> JSONResponse:
    engine = request.app.state.engine
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            current = await connection.run_sync(current_revision)
    except Exception as exc:  # the database is unreachable: not ready, whatever the reason
        return JSONResponse({"status": "unavailable", "database": type(exc).__name__}, status_code=503)
    head = head_revision()
    if current != head:
        return JSONResponse(
            {"status": "migrations pending", "database": "ok", "revision": current, "head": head},
            status_code=503,
        )
    return JSONResponse({"status": "ready", "database": "ok", "revision": current})


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/.well-known/jwks.json", include_in_schema=False)
async def jwks(request: Request) -> JSONResponse:
    async with request.app.state.sessionmaker() as session:
        keys = await request.app.state.runtime.tokens.keyring.jwks(session)
    return JSONResponse(keys, headers={"Cache-Control": "public, max-age=300"})
