"""A blocking graphql-transport-ws client for the sync SDK (`websockets.sync.client`): one connection
per subscription, its results as an iterator; closing the iterator completes and disconnects."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from atom_sdk.errors import AtomError, graphql_error, websocket_closed
from atom_sdk.generated.subscriptions import AUDIT_EVENTS

PROTOCOL = Subprotocol("graphql-transport-ws")
ACK_TIMEOUT = 5.0  # seconds the server has to answer `connection_init` (the generated client's wait)

# The subscription of `AtomClient.stream_audit`: the sync client is generated without subscriptions,
# so `atom sdk generate` writes their documents out (with their fragments, so they cannot drift from
# the models the entries are parsed into).
AUDIT_EVENTS_DOCUMENT = AUDIT_EVENTS


def message_type(raw: str | bytes) -> str | None:
    """The `type` of a graphql-transport-ws message, or None if it is not one."""
    try:
        message = json.loads(raw)
    except (TypeError, ValueError):
        return None
    kind = message.get("type") if isinstance(message, dict) else None
    return kind if isinstance(kind, str) else None


def _receive(connection: ClientConnection, timeout: float | None) -> dict[str, Any]:
    raw = connection.recv(timeout=timeout)
    message = json.loads(raw)
    if not isinstance(message, dict) or "type" not in message:
        raise AtomError(f"Not a graphql-transport-ws message: {raw!r}")
    return message


def subscribe(
    ws_url: str,
    query: str,
    *,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
    connection_init_payload: Mapping[str, Any] | None = None,
    open_timeout: float = 10.0,
) -> Iterator[dict[str, Any]]:
    """The `data` of each result of subscription `query`, until the server sends `complete`; errors
    raise the typed exceptions of `atom_sdk.errors`. A connection closed before `complete`, cleanly
    (1000, 1001) or not, raises `SubscriptionClosed` (`Unauthenticated` for 4401/4403): the stream
    did not end, it was cut."""
    operation_id = str(uuid.uuid4())
    try:
        with connect(ws_url, subprotocols=[PROTOCOL], open_timeout=open_timeout) as connection:
            init: dict[str, Any] = {"type": "connection_init"}
            if connection_init_payload is not None:
                init["payload"] = dict(connection_init_payload)
            connection.send(json.dumps(init))
            while (message := _receive(connection, open_timeout))["type"] != "connection_ack":
                if message["type"] == "ping":
                    connection.send(json.dumps({"type": "pong"}))
            payload: dict[str, Any] = {"query": query, "variables": dict(variables or {})}
            if operation_name:
                payload["operationName"] = operation_name
            connection.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": payload}))
            completed = False
            try:
                while True:
                    message = _receive(connection, None)
                    kind = message["type"]
                    if kind == "ping":
                        connection.send(json.dumps({"type": "pong"}))
                    elif kind == "next":
                        result = message.get("payload") or {}
                        if result.get("errors"):
                            raise graphql_error(result["errors"], result.get("data"))
                        yield result.get("data") or {}
                    elif kind == "error":
                        completed = True
                        errors = message.get("payload")
                        raise graphql_error(errors if isinstance(errors, list) else [errors or {}])
                    elif kind == "complete":
                        completed = True
                        return
            finally:
                if not completed:
                    with contextlib.suppress(ConnectionClosed):
                        connection.send(json.dumps({"id": operation_id, "type": "complete"}))
    except ConnectionClosed as exc:
        frame = exc.rcvd
        raise websocket_closed(frame.code if frame else None, frame.reason if frame else "") from exc
