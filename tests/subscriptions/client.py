"""A small WebSocket GraphQL client for the tests: graphql-transport-ws (and the legacy graphql-ws)
over the `websockets` package, against a live server. Timeouts only keep a broken test from hanging."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from domain.events.bus import bus
from tests.conftest import LiveServer

TIMEOUT = 30.0  # never waited in a passing test; only ends a hang
POLL = 0.01
TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


@dataclass(frozen=True)
class Closed:
    code: int | None
    reason: str


class Client:
    def __init__(self, connection: ClientConnection, protocol: str) -> None:
        self.connection = connection
        self.protocol = protocol
        self._stash: dict[str | None, deque[dict[str, Any]]] = defaultdict(deque)

    async def send(self, message: Any) -> None:
        await self.connection.send(message if isinstance(message, str | bytes) else json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        """The next message from the server, whoever it is for."""
        raw = await asyncio.wait_for(self.connection.recv(), TIMEOUT)
        message: dict[str, Any] = json.loads(raw)
        return message

    async def init(self, payload: dict[str, Any] | None) -> dict[str, Any]:
        await self.send({"type": "connection_init", **({"payload": payload} if payload is not None else {})})
        return await self.receive()

    async def subscribe(self, id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        await self.send({"id": id, "type": kind, "payload": {"query": query, "variables": variables or {}}})

    async def start(self, id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        """Subscribe, and wait until the stream is on the event bus: nothing committed from then on
        can pass it by. (The protocol says nothing when a subscription starts; the server runs in this
        process, so the bus shows it.)"""
        before = bus.hub.subscribers
        await self.subscribe(id, query, variables)
        await until(lambda: bus.hub.subscribers > before)

    async def complete(self, id: str) -> None:
        await self.send({"id": id, "type": "complete" if self.protocol == TRANSPORT_WS else "stop"})

    async def message_for(self, id: str) -> dict[str, Any]:
        """The next message of subscription `id` (others' are kept for their own turn)."""
        if self._stash[id]:
            return self._stash[id].popleft()
        while True:
            message = await self.receive()
            if message.get("id") == id:
                return message
            self._stash[message.get("id")].append(message)

    async def data(self, id: str) -> dict[str, Any]:
        """The data of the next result of `id`, failing on errors or an end."""
        message = await self.message_for(id)
        assert message["type"] in ("next", "data"), message
        payload: dict[str, Any] = message["payload"]
        assert not payload.get("errors"), payload
        data: dict[str, Any] = payload["data"]
        return data

    async def ending(self, id: str) -> list[dict[str, Any]]:
        """The errors that end subscription `id`: skips its results until an `error`, or a result
        with errors followed by `complete`."""
        while True:
            message = await self.message_for(id)
            if message["type"] == "error":
                payload = message["payload"]
                return payload if isinstance(payload, list) else [payload]
            if message["type"] in ("next", "data") and message["payload"].get("errors"):
                errors: list[dict[str, Any]] = message["payload"]["errors"]
                done = await self.message_for(id)
                assert done["type"] == "complete", done
                return errors
            assert message["type"] in ("next", "data"), message

    async def closed(self) -> Closed:
        """Wait until the server closes the connection: its close code and reason."""
        try:
            while True:
                await asyncio.wait_for(self.connection.recv(), TIMEOUT)
        except ConnectionClosed as exc:
            frame = exc.rcvd
            return Closed(frame.code if frame else None, frame.reason if frame else "")


async def until(condition: Callable[[], bool]) -> None:
    """Wait for `condition` (something the server does on its own loop, in this process)."""
    for _ in range(int(TIMEOUT / POLL)):
        if condition():
            return
        await asyncio.sleep(POLL)
    raise TimeoutError("the condition never came true")


def ws_url(server: LiveServer) -> str:
    return server.url.replace("http://", "ws://") + "/graphql"


@asynccontextmanager
async def connected(server: LiveServer, protocol: str = TRANSPORT_WS) -> AsyncIterator[Client]:
    async with connect(
        ws_url(server),
        subprotocols=[Subprotocol(protocol)],
        compression=None,
        open_timeout=TIMEOUT,
        close_timeout=5,
    ) as connection:
        yield Client(connection, protocol)


@asynccontextmanager
async def signed_in(
    server: LiveServer, credential: str, protocol: str = TRANSPORT_WS
) -> AsyncIterator[Client]:
    """A connection acknowledged for `credential` (an access token or an API key)."""
    async with connected(server, protocol) as client:
        ack = await client.init({"authorization": f"Bearer {credential}"})
        assert ack["type"] == "connection_ack", ack
        yield client


def codes(errors: list[dict[str, Any]]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in errors]
