"""Live servers for the subscription tests: a real uvicorn server on 127.0.0.1 (its own thread and
event loop), reached by a real WebSocket client, with every mutation sent to it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from domain.clock import clock
from domain.events.bus import bus
from server.settings import Settings
from tests.conftest import LiveServer, make_settings, start_live_server
from tests.helpers import GraphQL
from tests.subscriptions.client import until

# Updates of usageUpdates at most this often on the main test server (the default is 1 s).
USAGE_INTERVAL = 0.2


def _settings(base: Settings, home: Path, **overrides: object) -> Settings:
    # The session's database and master key: every server of the suite reads the same signing keys.
    assert base.master_key is not None
    master_key = base.master_key.get_secret_value()
    return make_settings(base.database_url, home, master_key=master_key, **overrides)


@contextmanager
def _serving(settings: Settings) -> Iterator[LiveServer]:
    server = start_live_server(settings)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The server most tests use: the default limits, usage updates every USAGE_INTERVAL at most."""
    home = tmp_path_factory.mktemp("ws")
    with _serving(_settings(settings, home, usage_updates_interval_seconds=USAGE_INTERVAL)) as live:
        yield live


ServerFactory = Callable[..., LiveServer]


@pytest.fixture
def server_with(settings: Settings, tmp_path: Path) -> Iterator[ServerFactory]:
    """A server of this test's own, with settings overridden (limits a test exhausts on purpose)."""
    started: list[LiveServer] = []

    def start(**overrides: object) -> LiveServer:
        live = start_live_server(_settings(settings, tmp_path / f"home{len(started)}", **overrides))
        started.append(live)
        return live

    yield start
    for live in started:
        live.stop()


def http_client(live: LiveServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=live.url, timeout=60, trust_env=False)


@pytest.fixture
async def live_gql(server: LiveServer) -> AsyncIterator[GraphQL]:
    """GraphQL over HTTP to `server`: mutations commit on the server's own loop, as in production."""
    async with http_client(server) as http:
        yield GraphQL(http)


@pytest.fixture(autouse=True)
def _clock_restored() -> Iterator[None]:
    yield
    clock.unfreeze()


@pytest.fixture(autouse=True)
async def _no_streams_left() -> None:
    """Each test starts once the streams of the one before are gone (servers let go of a closed
    connection's streams on their own loops), so `Client.start` can count the bus's subscribers."""
    await until(lambda: bus.hub.subscribers == 0)
