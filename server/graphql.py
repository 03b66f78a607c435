"""The GraphQL endpoint: strawberry's FastAPI router with our context, auth and HTTP error shapes,
and the WebSocket side of it (subscriptions; docs/subscriptions.md)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from cross_web import HTTPException
from fastapi import Depends, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse
from graphql import GraphQLError, GraphQLSyntaxError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.fastapi import GraphQLRouter
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.types.execution import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from domain.auth.issuers import IssuerUnavailable
from domain.db import unit_of_work
from domain.errors import AuthenticationFailed
from domain.principal import Principal
from resolvers import streams
from resolvers.audit import record_refused_credential
from resolvers.context import Context, Runtime
from resolvers.errors import ApiError
from resolvers.streams import LiveContext, LiveLimits
from schema import AtomSchema
from schema.extensions import ErrorShaping
from server.settings import Settings

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


SUBSCRIPTIONS_OVER_HTTP = "Subscriptions are served over WebSocket at /graphql (graphql-transport-ws)"
_HTTP_CODES = {
    "mutations are not allowed when using GET": (405, "MUTATION_OVER_GET"),
    SUBSCRIPTIONS_OVER_HTTP: (400, "OPERATION_NOT_SUPPORTED"),
    "Unsupported content type": (415, "UNSUPPORTED_CONTENT_TYPE"),
    "Batching is not enabled": (400, "BATCHING_DISABLED"),
    "Too many operations": (400, "BATCH_LIMIT_EXCEEDED"),
}


def is_multipart(headers: Any) -> bool:
    return str(headers.get("content-type", "")).lower().startswith("multipart/form-data")


def _has_preflight(headers: Any) -> bool:
    # A header a browser never sends cross-site without a CORS preflight (which we do not grant).
    return bool(headers.get("apollo-require-preflight") or headers.get("x-atom-csrf"))


# ---------------------------------------------------------------- WebSocket: subscriptions


def live_limits(settings: Settings) -> LiveLimits:
    return LiveLimits(
        connection_init_timeout=settings.ws_connection_init_timeout_seconds,
        max_connections_per_client=settings.ws_max_connections_per_client,
        max_subscriptions=settings.ws_max_subscriptions_per_connection,
        subscriber_buffer=settings.ws_subscriber_buffer,
        usage_updates_interval=settings.usage_updates_interval_seconds,
    )


CREDENTIAL_KEYS = ("authorization", "Authorization", "token", "apiKey")


class _NotACredential(Exception):
    """The `connection_init` payload names a credential in a shape we do not take."""


def connection_secret(params: object) -> str | None:
    """The credential of a `connection_init` payload: `{"authorization": "Bearer <token or key>"}`
    (or `Authorization`), `{"token": "<token or key>"}` or `{"apiKey": "<key>"}`; None if absent."""
    if not isinstance(params, dict):
        return None
    found = [key for key in CREDENTIAL_KEYS if params.get(key) not in (None, "")]
    if not found:
        return None
    value = params[found[0]]
    if len(found) > 1 or not isinstance(value, str) or len(value) > 4096:
        raise _NotACredential
    if found[0].lower() == "authorization":
        scheme, _, value = value.partition(" ")
        if scheme.lower() != "bearer":
            raise _NotACredential
    value = value.strip()
    if not value:
        raise _NotACredential
    return value


def _rejection(message: str, code: str, reason: str | None = None) -> ConnectionRejectionError:
    # graphql-transport-ws closes with 4403 "Forbidden"; the legacy graphql-ws sends this payload.
    extensions: dict[str, object] = {"code": code, **({"reason": reason} if reason else {})}
    return ConnectionRejectionError({"message": message, "extensions": extensions})


class _ConnectionFailed(Exception):
    """Authenticating a connection failed on our side (logged): closed with 4500."""


def _is_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 256


def _is_operation(payload: object) -> bool:
    return (
        isinstance(payload, dict)
        and isinstance(payload.get("query"), str)
        and isinstance(payload.get("variables"), dict | None)
        and isinstance(payload.get("operationName"), str | None)
        and isinstance(payload.get("extensions"), dict | None)
    )


def _malformed(message: object, *, start: str, stop: str) -> str | None:
    """Why a protocol message is malformed (None: well-formed enough for strawberry's handlers)."""
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return "A message is a JSON object with a string `type`."
    kind = message["type"]
    if kind == start and (not _is_id(message.get("id")) or not _is_operation(message.get("payload"))):
        return f"`{start}` needs a string `id` and a `payload` with a string `query`."
    if kind == stop and not _is_id(message.get("id")):
        return f"`{stop}` needs a string `id`."
    if kind == "connection_init" and not isinstance(message.get("payload"), dict | None):
        return "The `connection_init` payload is an object."
    return None


def _too_many_subscriptions(limit: int) -> Any:
    return ApiError(
        f"At most {limit} subscriptions per connection; complete one first.",
        "TOO_MANY_SUBSCRIPTIONS",
        limit=limit,
    ).formatted


async def _shaped(source: AsyncGenerator[Any, None], shaping: ErrorShaping, request_id: str) -> Any:
    """The results of a stream with every error shaped as over HTTP (a code; unexpected ones logged
    and masked): ErrorShaping only sees an operation's final result, after a stream has gone out."""
    try:
        async for result in source:
            if isinstance(result, ExecutionResult) and result.errors:
                result.errors = [_shape_error(error, shaping, request_id) for error in result.errors]
            yield result
    finally:
        await source.aclose()


def _shape_error(error: GraphQLError, shaping: ErrorShaping, request_id: str) -> GraphQLError:
    if isinstance(error, GraphQLSyntaxError):
        return error  # graphql-transport-ws closes the connection with 4400 and this message
    if isinstance(error.original_error, InvalidOperationTypeError):
        return ApiError(
            "Only subscriptions go over WebSocket; send queries and mutations by HTTP POST to /graphql.",
            "OPERATION_NOT_SUPPORTED",
        )
    return shaping._shape(error, request_id)


class _LiveSchema:
    """The schema as the WebSocket handlers see it: subscriptions only (a query or mutation needs
    the unit of work of an HTTP request), each result's errors shaped."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self.suggestions = not schema.config.disable_field_suggestions

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any = None,
        root_value: Any = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> Any:
        source = await self.schema.stream(
            query,
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            operation_extensions=operation_extensions,
            allowed_operation_types=(OperationType.SUBSCRIPTION,),
        )
        request_id = getattr(context_value, "request_id", None) or "-"
        return _shaped(source, ErrorShaping(suggestions=self.suggestions), request_id)

    async def subscribe(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any = None,
        root_value: Any = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> Any:
        return await self.stream(
            query, variable_values, context_value, root_value, operation_name, operation_extensions
        )


class _LiveHandler:
    """What both WebSocket protocols' handlers share: the connection's limits, the schema seen as
    subscriptions only, admission per client address, a failed authentication closed with 4500, and
    the event scope released before a message is waited on. Listed before strawberry's handler."""

    limits: LiveLimits

    def _set_up(self) -> None:
        handler = cast(Any, self)
        self.limits = cast(LiveContext, handler.context).limits
        handler.max_subscriptions_per_connection = None  # ours, with a code
        handler.schema = _LiveSchema(handler.schema)

    async def _serve(self, serve: Callable[[], Awaitable[None]]) -> None:
        handler = cast(Any, self)
        with cast(AtomGraphQLRouter, handler.view).admitted(cast(LiveContext, handler.context)) as admitted:
            if not admitted:
                await handler.websocket.close(code=4429, reason="Too many connections")
                return
            await serve()

    async def handle_connection_init(self, message: Any) -> None:
        try:
            await cast(Any, super()).handle_connection_init(message)
        except _ConnectionFailed:
            await cast(Any, self).websocket.close(code=4500, reason="Internal server error")

    async def send_message(self, message: Any) -> None:
        # An event's result is complete: its database session is closed before a slow client is waited on.
        await streams.release_scope()
        await cast(Any, super()).send_message(message)


class AtomTransportWSHandler(_LiveHandler, BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws, with our limits: init timeout (4408), connections per client address
    (4429), subscriptions per connection (an `error` with TOO_MANY_SUBSCRIPTIONS), malformed messages
    (4400); strawberry's own closes 4401, 4403, 4409 and 4429 (a second `connection_init`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_up()
        self.connection_init_wait_timeout = timedelta(seconds=self.limits.connection_init_timeout)

    async def handle(self) -> None:
        await self._serve(super().handle)

    async def handle_message(self, message: Any) -> None:
        problem = _malformed(message, start="subscribe", stop="complete")
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        if message["type"] == "connection_init" and message.get("payload") is None:
            message = {**message, "payload": {}}
        await super().handle_message(message)

    async def handle_subscribe(self, message: Any) -> None:
        limit = self.limits.max_subscriptions
        if (
            self.connection_acknowledged
            and message["id"] not in self.operations
            and len(self.operations) >= limit
        ):
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [_too_many_subscriptions(limit)]}
            )
            return
        await super().handle_subscribe(message)


class AtomLegacyWSHandler(_LiveHandler, BaseGraphQLWSHandler[Context, None]):
    """The legacy graphql-ws (subscriptions-transport-ws) protocol, with the same limits: an init
    timeout (4408), connections per client (4429), subscriptions per connection, malformed messages
    (4400). A refused `connection_init` gets `connection_error` with the reason, then a close."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_up()

    async def handle(self) -> None:
        await self._serve(self._handle_with_init_timeout)

    async def _handle_with_init_timeout(self) -> None:
        timeout = asyncio.create_task(self._close_unless_initialised())
        try:
            await super().handle()
        finally:
            timeout.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timeout

    async def _close_unless_initialised(self) -> None:
        await asyncio.sleep(self.limits.connection_init_timeout)
        if not self.connection_acknowledged:
            await self.websocket.close(code=4408, reason="Connection initialisation timeout")

    async def handle_message(self, message: Any) -> None:
        problem = _malformed(message, start="start", stop="stop")
        if problem is not None:
            await self.websocket.close(code=4400, reason=problem)
            return
        await super().handle_message(message)

    async def handle_start(self, message: Any) -> None:
        limit = self.limits.max_subscriptions
        if self.connection_acknowledged and message["id"] not in self.tasks and len(self.tasks) >= limit:
            error = _too_many_subscriptions(limit)
            await self.send_message({"type": "error", "id": message["id"], "payload": error})
            return
        await super().handle_start(message)


class AtomGraphQLRouter(GraphQLRouter[Context, None]):
    graphql_transport_ws_handler_class = AtomTransportWSHandler
    graphql_ws_handler_class = AtomLegacyWSHandler

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Open WebSocket connections per client address, in this process.
        self.websocket_clients: dict[str, int] = {}

    @contextlib.contextmanager
    def admitted(self, context: LiveContext) -> Iterator[bool]:
        """Count the connection against its client address for as long as it is open; False when
        the address has as many open as it may."""
        client = context.client_address or "-"
        count = self.websocket_clients.get(client, 0)
        if count >= context.limits.max_connections_per_client:
            yield False
            return
        self.websocket_clients[client] = count + 1
        try:
            yield True
        finally:
            left = self.websocket_clients[client] - 1
            if left:
                self.websocket_clients[client] = left
            else:
                del self.websocket_clients[client]

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate a WebSocket connection from its `connection_init` payload (see
        `connection_secret`). Every topic needs a signed-in caller, so a connection without a
        credential is refused like one with a bad credential: 4403 (graphql-transport-ws)."""
        assert isinstance(context, LiveContext)
        try:
            secret = connection_secret(context.connection_params)
        except _NotACredential:
            raise _rejection(
                "Put `Bearer <token or key>` in `authorization`, or the credential in `token` or `apiKey`.",
                "UNAUTHENTICATED",
                "INVALID_TOKEN",
            ) from None
        if secret is None:
            raise _rejection("Authentication required in the connection_init payload.", "UNAUTHENTICATED")
        organization = context.connection_params.get("organization")  # type: ignore[union-attr]
        if organization is not None and (not isinstance(organization, str) or len(organization) > 40):
            raise _rejection("`organization` is an organization's slug.", "UNAUTHENTICATED", "INVALID_TOKEN")
        try:
            await context.sign_in(secret, organization or None)
        except AuthenticationFailed as exc:
            if exc.subject is not None:
                where = {"request_id": context.request_id, "client_address": context.client_address}
                async with unit_of_work(context.sessionmaker) as session:
                    record_refused_credential(session, exc, **where)
            raise _rejection(exc.message, "UNAUTHENTICATED", exc.reason) from exc
        except Exception as exc:
            log.exception(
                "unexpected error while authenticating a WebSocket", extra={"request_id": context.request_id}
            )
            raise _ConnectionFailed from exc
        unset: UnsetType = UNSET
        return unset

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

    async def execute_single(  # type: ignore[override]
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: Any,
    ) -> Any:
        """strawberry's, except that HTTP carries no subscriptions: their fields only resolve as a
        stream, which is the WebSocket's (strawberry's multipart and SSE transports are off)."""
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:
                raise HTTPException(400, SUBSCRIPTIONS_OVER_HTTP) from exc
            raise HTTPException(400, exc.as_http_error_reason(request_adapter.method)) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc

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


async def _session(
    request: Request = None,  # type: ignore[assignment]
    websocket: WebSocket = None,  # type: ignore[assignment]
) -> AsyncIterator[AsyncSession | None]:
    if request is None:  # a WebSocket connection holds no session: its streams open short ones
        yield None
        return
    async with request.app.state.sessionmaker() as session:
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


ORGANIZATION_HEADER = "x-atom-organization"


def organization_header(headers: Any) -> str | None:
    """The organization (slug) a trusted issuer's token is presented for, when the issuer is trusted
    by several; our own tokens and API keys name theirs themselves."""
    value: str | None = headers.get(ORGANIZATION_HEADER)
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > 40:
        raise HTTPGraphQLError(400, "X-Atom-Organization is an organization's slug.", "BAD_REQUEST")
    return value


async def authenticate(
    session: AsyncSession,
    runtime: Runtime,
    headers: Any,
    *,
    request_id: str,
    client_address: str | None,
    audit_refusals: bool = True,
) -> Principal:
    """The caller of an HTTP request. A refused credential is a 401; when it is genuine (expired,
    revoked), the refusal is audited first: `session` is committed with the entry."""
    credential = _credentials(headers)
    if credential is None:
        return Principal.anonymous(request_id=request_id, client_address=client_address)
    try:
        return await streams.principal_for_credential(
            session,
            runtime,
            credential,
            organization=organization_header(headers),
            request_id=request_id,
            client_address=client_address,
        )
    except IssuerUnavailable as exc:  # the issuer's fault, not the caller's: try again later
        raise HTTPGraphQLError(
            503, exc.message, exc.code, headers={"Retry-After": "30"}, reason=exc.reason
        ) from exc
    except AuthenticationFailed as exc:
        if audit_refusals and exc.subject is not None:
            try:
                record_refused_credential(session, exc, request_id=request_id, client_address=client_address)
                await session.commit()
            except Exception:  # the refusal stands; only its record failed
                log.exception("auditing a refused credential failed", extra={"request_id": request_id})
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
    session: AsyncSession | None = Depends(_session),
) -> Context:
    connection = request or websocket
    runtime: Runtime = connection.app.state.runtime
    request_id = connection.scope.get("state", {}).get("request_id") or "-"
    client = connection.client.host if connection.client else None
    if session is None:
        # A WebSocket: authenticated by its `connection_init` (AtomGraphQLRouter.on_ws_connect).
        return LiveContext(
            runtime=runtime,
            sessionmaker=connection.app.state.sessionmaker,
            limits=live_limits(connection.app.state.settings),
            request_id=request_id,
            client_address=client,
        )
    try:
        principal = await authenticate(
            session,
            runtime,
            connection.headers,
            request_id=request_id,
            client_address=client,
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
    """The /graphql router: HTTP GET and POST, and WebSocket with both subscription protocols."""
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
