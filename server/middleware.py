"""ASGI middleware: request ids, request-size limits and HTTP metrics."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.events.bus import bus
from server.logs import request_id_var

HTTP_REQUESTS = Counter("atom_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("atom_http_request_duration_seconds", "HTTP request latency", ["method", "route"])
# Streams started (their subscription to the event hub taken), read when scraped.
LIVE_SUBSCRIPTIONS = Gauge("atom_graphql_subscriptions_active", "GraphQL subscriptions streaming here")
LIVE_SUBSCRIPTIONS.set_function(lambda: bus.hub.subscribers)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")
_ROUTES = ("/graphql", "/health", "/ready", "/metrics", "/.well-known/jwks.json")


def graphql_error_body(message: str, code: str, **extensions: Any) -> bytes:
    return json.dumps({"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}).encode()


class RequestContextMiddleware:
    """Gives every request an id (the caller's `X-Request-ID` if sane), echoes it, times the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        offered = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)
            if scope["type"] == "http":
                path = scope.get("path", "")
                route = path if path in _ROUTES else ("/static" if path.startswith("/static/") else "other")
                HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
                HTTP_LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)


class BodySizeLimitMiddleware:
    """Refuses request bodies over the limit with 413 and a GraphQL-shaped error, streaming or not.
    `per_path` raises the limit for path prefixes that take artifacts (`/uploads/`)."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        per_path: dict[str, int] | None = None,
        multipart_max_bytes: int = 0,
    ) -> None:
        self.app = app
        self.default_max_bytes = max_bytes
        self.per_path = per_path or {}
        self.multipart_max_bytes = multipart_max_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        max_bytes = next(
            (limit for prefix, limit in self.per_path.items() if path.startswith(prefix)),
            self.default_max_bytes,
        )
        headers = dict(scope.get("headers") or [])
        if headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data"):
            max_bytes = max(max_bytes, self.multipart_max_bytes)  # an artifact upload
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
            await self._refuse(send, max_bytes)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, max_bytes)

    async def _refuse(self, send: Send, max_bytes: int) -> None:
        body = graphql_error_body(f"The request body is larger than {max_bytes} bytes.", "PAYLOAD_TOO_LARGE")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
