"""The Python SDK's parts that need no ATOM server: the paginator over hand-made pages, secrets kept
out of reprs, and how subscriptions end, against a minimal graphql-transport-ws server that closes
the way a proxy or a restart can (1000, 1001) before sending `complete`."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from atom_sdk import (
    ApiKeyAuth,
    AsyncAtomClient,
    AtomClient,
    PaginationError,
    SubscriptionClosed,
    TokenAuth,
    Tokens,
    paginate,
    paginate_async,
)
from atom_sdk.live import PROTOCOL
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

T = TypeVar("T")

# --------------------------------------------------------------------------------------- pagination


@dataclass
class Info:
    has_next_page: bool
    end_cursor: str | None


@dataclass
class Page:
    nodes: list[int]
    page_info: Info


@dataclass
class Pages:
    """A connection's pages by the `after` that fetches them; `asked` records the calls."""

    by_cursor: dict[str | None, Page]
    asked: list[str | None] = field(default_factory=list)

    def __call__(self, after: str | None) -> Page:
        self.asked.append(after)
        return self.by_cursor[after]

    async def fetch(self, after: str | None) -> Page:
        return self(after)


def chained() -> Pages:
    return Pages(
        {
            None: Page([1, 2], Info(True, "A")),
            "A": Page([3], Info(True, "B")),
            "B": Page([4], Info(False, None)),
        }
    )


BROKEN = {
    # hasNextPage without a cursor to follow
    "missing": {None: Page([1], Info(True, "A")), "A": Page([2], Info(True, None))},
    # the same cursor back to back
    "repeated": {None: Page([1], Info(True, "A")), "A": Page([2], Info(True, "A"))},
    # A -> B -> A: a loop that comparing with the previous cursor alone never sees
    "cycle": {
        None: Page([1], Info(True, "A")),
        "A": Page([2], Info(True, "B")),
        "B": Page([3], Info(True, "A")),
    },
}


async def drain(stream: AsyncIterator[T], into: list[T]) -> None:
    """Append what `stream` yields to `into` until it ends or raises."""
    async for item in stream:
        into.append(item)


def test_paginate_follows_every_cursor() -> None:
    pages = chained()
    assert list(paginate(pages)) == [1, 2, 3, 4]
    assert pages.asked == [None, "A", "B"]


async def test_paginate_async_follows_every_cursor() -> None:
    pages = chained()
    assert [node async for node in paginate_async(pages.fetch)] == [1, 2, 3, 4]
    assert pages.asked == [None, "A", "B"]


@pytest.mark.parametrize("broken", sorted(BROKEN))
def test_paginate_refuses_pages_that_do_not_chain(broken: str) -> None:
    pages = Pages(BROKEN[broken])
    got: list[int] = []
    with pytest.raises(PaginationError) as refused:
        got.extend(paginate(pages))
    assert got == [page.nodes[0] for page in BROKEN[broken].values()]  # the pages before, then the error
    assert refused.value.cursor == (None if broken == "missing" else "A")
    assert len(pages.asked) == len(BROKEN[broken])


@pytest.mark.parametrize("broken", sorted(BROKEN))
async def test_paginate_async_refuses_pages_that_do_not_chain(broken: str) -> None:
    pages = Pages(BROKEN[broken])
    got: list[int] = []
    with pytest.raises(PaginationError):
        await drain(paginate_async(pages.fetch), got)
    assert got == [page.nodes[0] for page in BROKEN[broken].values()]


# ------------------------------------------------------------------------------------------ secrets


def test_reprs_leave_secrets_out() -> None:
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    tokens = Tokens("access-secret", "refresh-secret", expires, expires + timedelta(days=30))
    auth = TokenAuth("access-secret", "refresh-secret", expires)
    for shown in (repr(tokens), str(tokens), repr(auth), repr(ApiKeyAuth("atom_key_secret"))):
        assert "secret" not in shown
    assert "2030" in repr(tokens) and "2030" in repr(auth)  # what is not secret still shows


# ------------------------------------------------------------------------------------ subscriptions

ENTRY = {
    "id": "QXVkaXRFbnRyeTox",
    "chain": "org",
    "sequence": 1,
    "time": "2030-01-01T00:00:00+00:00",
    "actor": "user:1",
    "action": "createApiKey",
    "target": None,
    "decision": "ALLOW",
    "outcome": "SUCCEEDED",
    "risk": "LOW",
    "reason": None,
    "requestId": None,
    "clientAddress": None,
    "inputDigest": None,
    "prevHash": "0" * 64,
    "entryHash": "1" * 64,
    "targetNode": None,
}


@contextlib.contextmanager
def graphql_ws_server(ending: str | int) -> Iterator[str]:
    """A graphql-transport-ws server that acknowledges, sends one audit entry for the subscription and
    then sends `complete` (ending "complete") or closes the connection with the code `ending`."""

    def handle(websocket: ServerConnection) -> None:
        assert json.loads(websocket.recv())["type"] == "connection_init"
        websocket.send(json.dumps({"type": "connection_ack"}))
        subscribe = json.loads(websocket.recv())
        operation = subscribe["id"]
        result = {"data": {"auditEvents": ENTRY}}
        websocket.send(json.dumps({"id": operation, "type": "next", "payload": result}))
        if ending == "complete":
            websocket.send(json.dumps({"id": operation, "type": "complete"}))
            with contextlib.suppress(ConnectionClosed):
                websocket.recv()  # until the client hangs up
        else:
            websocket.close(int(ending), "going")

    with serve(handle, "127.0.0.1", 0, subprotocols=[PROTOCOL]) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.socket.getsockname()[1]}"
        server.shutdown()
        thread.join(5)


@pytest.mark.parametrize("code", [1000, 1001])
def test_sync_stream_closed_before_complete_raises(code: int) -> None:
    received: list[Any] = []
    with (
        graphql_ws_server(code) as url,
        AtomClient(url) as client,
        pytest.raises(SubscriptionClosed) as closed,
    ):
        received.extend(client.stream_audit())
    assert [entry.action for entry in received] == ["createApiKey"]
    assert (closed.value.close_code, closed.value.reason) == (code, "going")


@pytest.mark.parametrize("code", [1000, 1001])
async def test_async_stream_closed_before_complete_raises(code: int) -> None:
    received: list[Any] = []
    with graphql_ws_server(code) as url:
        async with AsyncAtomClient(url) as client:
            with pytest.raises(SubscriptionClosed) as closed:
                await drain(client.stream_audit(), received)
    assert [entry.action for entry in received] == ["createApiKey"]
    assert (closed.value.close_code, closed.value.reason) == (code, "going")


def test_sync_stream_ends_on_complete() -> None:
    with graphql_ws_server("complete") as url, AtomClient(url) as client:
        assert [entry.action for entry in client.stream_audit()] == ["createApiKey"]


async def test_async_stream_ends_on_complete() -> None:
    with graphql_ws_server("complete") as url:
        async with AsyncAtomClient(url) as client:
            assert [entry.action async for entry in client.stream_audit()] == ["createApiKey"]
