"""A live server for the SDK tests: real uvicorn on 127.0.0.1 whose public URL is its own address, so
upload and download URLs it hands out are reachable by the SDKs as they would be in production."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.service import set_marketplace_reviewer, set_platform_operator
from domain.db import make_engine, make_sessionmaker, unit_of_work
from domain.principal import Principal
from server.app import create_app
from server.settings import Settings
from tests.conftest import LiveServer, free_port, make_settings

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="package")
def sdk_server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    assert settings.master_key is not None
    port = free_port()
    live_settings = make_settings(
        settings.database_url,
        tmp_path_factory.mktemp("sdk"),
        master_key=settings.master_key.get_secret_value(),
        public_url=f"http://127.0.0.1:{port}",
        usage_updates_interval_seconds=0.2,
    )
    server = LiveServer(create_app(live_settings), port=port, settings=live_settings)
    server.start()
    yield server
    server.stop()


async def _as_platform(settings: Settings, change: Callable[[AsyncSession], Awaitable[object]]) -> None:
    """A platform operator's change, made as the CLI makes it: its own engine, one unit of work."""
    engine = make_engine(settings.database_url)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await change(session)
    finally:
        await engine.dispose()


async def trust_reviewer(settings: Settings, organization_slug: str) -> None:
    """What `atom orgs trust-reviewer SLUG` does: the platform trusts this organization to review."""
    await _as_platform(
        settings,
        lambda session: set_marketplace_reviewer(
            session, Principal.system(), slug=organization_slug, trusted=True
        ),
    )


async def platform_operator(settings: Settings, organization_slug: str) -> None:
    """What `atom orgs platform-operator SLUG` does: the organization may run the platform (plans...)."""
    await _as_platform(
        settings,
        lambda session: set_platform_operator(
            session, Principal.system(), slug=organization_slug, operator=True
        ),
    )
