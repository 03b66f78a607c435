"""HTTP routes for artifact bytes when the server itself stores them (local storage):
`PUT /uploads/{id}?token=…` receives an upload, `GET /artifacts/{token}` serves a download.
With MinIO, clients use presigned URLs instead and these routes are not involved."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from domain.clock import clock
from domain.db import unit_of_work
from domain.errors import DomainError
from domain.marketplace import service
from domain.marketplace.links import verify_download
from domain.marketplace.models import UploadStatus
from domain.storage import content_disposition
from resolvers.context import Runtime

router = APIRouter()


def _error(status: int, error: DomainError) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": error.message, "extensions": {"code": str(error.code)}}]}, status_code=status
    )


@router.put("/uploads/{upload_id}", include_in_schema=False)
async def receive_upload(upload_id: str, token: str, request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    storage = runtime.marketplace.storage
    try:
        parsed_id = uuid.UUID(upload_id)
    except ValueError:
        return JSONResponse(
            {"errors": [{"message": "No such upload.", "extensions": {"code": "UPLOAD_NOT_FOUND"}}]}, 404
        )
    try:
        async with unit_of_work(request.app.state.sessionmaker) as session:
            upload = await service.upload_for_token(session, upload_id=parsed_id, token=token)
            key, max_bytes = upload.storage_key, upload.max_bytes

        async def body() -> AsyncIterator[bytes]:
            async for chunk in request.stream():
                if chunk:
                    yield chunk

        stored = await storage.put_stream(key, body(), max_bytes=max_bytes)
        async with unit_of_work(request.app.state.sessionmaker) as session:
            upload = await service.upload_for_token(session, upload_id=parsed_id, token=token)
            upload.status = UploadStatus.RECEIVED
            upload.size, upload.sha256 = stored.size, stored.sha256
    except DomainError as error:
        status = 413 if error.code == "UPLOAD_TOO_LARGE" else 404 if error.code == "UPLOAD_NOT_FOUND" else 400
        return _error(status, error)
    return JSONResponse({"size": stored.size, "sha256": stored.sha256, "receivedAt": clock.now().isoformat()})


@router.get("/artifacts/{token}", include_in_schema=False, response_model=None)
async def serve_artifact(token: str, request: Request) -> StreamingResponse | JSONResponse:
    runtime: Runtime = request.app.state.runtime
    try:
        grant = verify_download(runtime.marketplace.download_secret, token)
        stored = await runtime.marketplace.storage.stat(grant.storage_key)
    except DomainError as error:
        return _error(404, error)
    if stored is None:
        return JSONResponse({"errors": [{"message": "Gone.", "extensions": {"code": "NOT_FOUND"}}]}, 404)
    try:
        chunks = await runtime.marketplace.storage.open_stream(grant.storage_key)
    except DomainError as error:
        return _error(404, error)
    return StreamingResponse(
        chunks,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": content_disposition(grant.filename),
            "Content-Length": str(stored.size),
            "X-Checksum-SHA256": grant.sha256,
            "Cache-Control": "private, no-store",
        },
    )
