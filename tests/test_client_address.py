"""The client address an audit entry records (and per-address limits count): the connection's own,
unless the connection comes from a proxy named in ATOM_TRUSTED_PROXIES. Served as `atom serve`
serves (server/serving.py) on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.app import create_app
from server.settings import Settings
from tests.audit.support import CREATE_ROLE, log_entries
from tests.conftest import LiveServer
from tests.helpers import GraphQL, sign_up, unique

SPOOFED = "203.0.113.7"


@pytest.fixture
def serve() -> Iterator[list[LiveServer]]:
    started: list[LiveServer] = []
    yield started
    for server in started:
        server.stop()


async def role_created_from(server: LiveServer, **headers: str) -> str | None:
    """The client address of the audit entry for a role created through `server` with `headers`."""
    async with httpx.AsyncClient(base_url=server.url, timeout=60, trust_env=False) as http:
        gql = GraphQL(http)
        owner = await sign_up(gql)
        created = await gql(
            CREATE_ROLE, {"input": {"name": unique("role")}}, token=owner.access_token, **headers
        )
        assert created["createRole"]["userErrors"] == []
        [entry] = await log_entries(gql, owner.access_token, action="createRole")
        return entry["clientAddress"]  # type: ignore[no-any-return]


def live(serve: list[LiveServer], settings: Settings) -> LiveServer:
    server = LiveServer(create_app(settings), settings=settings)
    server.start()
    serve.append(server)
    return server


async def test_forwarded_headers_are_ignored_unless_a_proxy_is_trusted(
    serve: list[LiveServer], settings: Settings
) -> None:
    server = live(serve, settings)
    # A local process cannot choose the address its entries record.
    assert await role_created_from(server, **{"X-Forwarded-For": SPOOFED}) == "127.0.0.1"
    assert await role_created_from(server) == "127.0.0.1"


async def test_a_trusted_proxy_names_the_client(serve: list[LiveServer], settings: Settings) -> None:
    server = live(serve, settings.model_copy(update={"trusted_proxies": "127.0.0.0/8"}))
    assert await role_created_from(server, **{"X-Forwarded-For": SPOOFED}) == SPOOFED
    # a chain: the address the trusted proxy saw (the right-most one it did not add itself)
    assert await role_created_from(server, **{"X-Forwarded-For": f"198.51.100.1, {SPOOFED}"}) == SPOOFED
    assert await role_created_from(server) == "127.0.0.1"


@pytest.mark.parametrize("value", ["10.0.0.0/8,not-an-address", "300.1.1.1", "10.0.0.0/33"])
def test_a_bad_trusted_proxy_is_refused_at_start(tmp_path: Path, value: str) -> None:
    with pytest.raises(ValueError, match="ATOM_TRUSTED_PROXIES"):
        Settings(home=tmp_path, trusted_proxies=value)


def test_trusted_proxies_parse(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, trusted_proxies=" 10.0.0.0/8 , ::1,* ")
    assert settings.trusted_proxy_list == ("10.0.0.0/8", "::1", "*")
    assert Settings(home=tmp_path).trusted_proxy_list == ()
