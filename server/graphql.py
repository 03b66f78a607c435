"""The GraphQL endpoint: strawberry's FastAPI router with our context, auth and HTTP error shapes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from cross_web import HTTPException
from fastapi import Depends, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response
from strawberry.fastapi import GraphQLRouter

from domain.auth import service as auth_service
from domain.errors import AuthenticationFailed
from domain.principal import Principal
from resolvers.context import Context, Runtime
from schema import AtomSchema

log = logging.getLogger("atom.graphql")

GRAPHIQL_HTML = (Path(__file__).parent / "static" / "graphiql" / "index.html").read_text()


class HTTPGraphQLError(Exception):
    """An HTTP-level refusal (before GraphQL runs), answered as JSON `errors` with a code."""

    def __init__(
        self, status: int, message: str, code: str, headers: dict[str, str] | None = None, **extra: Any
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}
        self.extra = extra

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"errors": [{"message": self.message, "extensions": {"code": self.code, **self.extra}}]},
            status_code=self.status,
            headers=self.headers,
        )


_HTTP_CODES = {
    "mutations are not allowed when using GET": (405, "MUTATION_OVER_GET"),
    "Unsupported content type": (415, "UNSUPPORTED_CONTENT_TYPE"),
    "Batching is not enabled": (400, "BATCHING_DISABLED"),
    "Too many operations": (400, "BATCH_LIMIT_EXCEEDED"),
}


def is_multipart(headers: Any) -> bool:
    return str(headers.get("content-type", "")).lower().startswith("multipart/form-data")


def _has_preflight(headers: Any) -> bool:
    # A header a browser never sends cross-site without a CORS preflight (which we do not grant).
    return bool(headers.get("apollo-require-preflight") or headers.get("x-atom-csrf"))


class AtomGraphQLRouter(GraphQLRouter[Context, None]):
    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(GRAPHIQL_HTML)

    async def execute_operation(  # type: ignore[override]
        self,
        request: Any,
        request_adapter: Any,
        request_data: Any,
        context: Any,
        root_value: Any,
        sub_response: Any,
    ) -> Any:
        if not isinstance(request_data, list):
            return await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        # One after the other: the operations of a batch share the request's session.
        return [
            await self.execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=item,
            )
            for item in request_data
        ]

    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:
        if (
            isinstance(request, Request)
            and is_multipart(request.headers)
            and not _has_preflight(request.headers)
        ):
            raise HTTPGraphQLError(
                400,
                "Multipart requests need an `Apollo-Require-Preflight` or `X-Atom-CSRF` header.",
                "CSRF_PREFLIGHT_REQUIRED",
            )
        try:
            return await super().run(request=request, context=context, root_value=root_value)
        except HTTPException as exc:
            for reason, (status, code) in _HTTP_CODES.items():
                if exc.reason.startswith(reason):
                    raise HTTPGraphQLError(status, exc.reason, code) from exc
            code = "NOT_FOUND" if exc.status_code == 404 else "BAD_REQUEST"
            raise HTTPGraphQLError(exc.status_code, exc.reason, code) from exc


async def _session(request: Request = None, websocket: WebSocket = None) -> AsyncIterator[AsyncSession]:  # type: ignore[assignment]
    app = (request or websocket).app
    async with app.state.sessionmaker() as session:
        yield session


def _credentials(headers: Any) -> str | None:
    authorization: str | None = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise HTTPGraphQLError(
                401,
                "Use `Authorization: Bearer <token or API key>`.",
                "UNAUTHENTICATED",
                headers={"WWW-Authenticate": 'Bearer error="invalid_request"'},
                reason="INVALID_TOKEN",
            )
        return value.strip()
    api_key: str | None = headers.get("x-api-key")
    return api_key.strip() if api_key else None


async def authenticate(
    session: AsyncSession, runtime: Runtime, headers: Any, *, request_id: str, client_address: str | None
) -> Principal:
    credential = _credentials(headers)
    if credential is None:
        return Principal.anonymous(request_id=request_id, client_address=client_address)
    try:
        if credential.startswith(f"{auth_service.API_KEY_PREFIX}_"):
            return await auth_service.principal_for_api_key(
                session, presented=credential, request_id=request_id, client_address=client_address
            )
        return await auth_service.principal_for_access_token(
            session,
            tokens=runtime.tokens,
            token=credential,
            request_id=request_id,
            client_address=client_address,
        )
    except AuthenticationFailed as exc:
        raise HTTPGraphQLError(
            401,
            exc.message,
            "UNAUTHENTICATED",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            reason=exc.reason,
        ) from exc


async def get_context(
    request: Request = None,  # type: ignore[assignment]
    websocket: WebSocket = None,  # type: ignore[assignment]
    session: AsyncSession = Depends(_session),
) -> Context:
    connection = request or websocket
    runtime: Runtime = connection.app.state.runtime
    request_id = connection.scope.get("state", {}).get("request_id") or "-"
    client = connection.client.host if connection.client else None
    try:
        principal = await authenticate(
            session, runtime, connection.headers, request_id=request_id, client_address=client
        )
    except HTTPGraphQLError:
        raise
    except Exception as exc:  # the database failed us while authenticating: masked, logged with the id
        log.exception("unexpected error while authenticating", extra={"request_id": request_id})
        raise HTTPGraphQLError(
            500, "Internal server error.", "INTERNAL_SERVER_ERROR", requestId=request_id
        ) from exc
    context = Context(session=session, principal=principal, runtime=runtime, request_id=request_id)
    context.multipart = request is not None and is_multipart(request.headers)
    return context


def graphql_router(schema: AtomSchema, *, graphiql: bool) -> AtomGraphQLRouter:
    return AtomGraphQLRouter(
        schema,
        path="/graphql",
        context_getter=get_context,
        graphql_ide="graphiql" if graphiql else None,
        allow_queries_via_get=True,
        # Only `publishVersionUpload` may use it (schema.uploads), and only with a preflight header.
        multipart_uploads_enabled=True,
    )


def http_error_handler(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPGraphQLError)
    return exc.response()
