"""A first look at the Launchpad on `make run`'s demo data: `atom seed --demo` into a fresh home (the
embedded SQLite database `make run` uses), a live server on 127.0.0.1 over it serving the built
web/dist, and web/e2e/demo/tour.test.mjs driving Debian's chromium through every page (screenshots in
web/e2e/artifacts/demo-*.png). The demo always runs on SQLite, as `make run` does, so the PostgreSQL
pass skips it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.app import create_app
from server.settings import Settings
from tests.conftest import LiveServer, free_port, make_settings
from tests.helpers import run_seed
from tests.web.test_launchpad import built_launchpad, run_browser_tests

__all__ = ["built_launchpad"]  # the fixture, shared with the journeys' tests


@pytest.fixture(scope="module")
def demo_server(
    built_launchpad: Path, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, Path]]:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the demo is `make run`'s, on the embedded SQLite database: the SQLite pass tours it")
    home = tmp_path_factory.mktemp("demo-home")
    database_url = f"sqlite+aiosqlite:///{home / 'atom.db'}"
    seeded = run_seed(home, database_url)
    assert seeded.returncode == 0, seeded.stderr
    port = free_port()
    # master_key=None: the server reads the key the seed generated into the home, as `make run` does
    live_settings = make_settings(
        database_url,
        home,
        master_key=None,
        public_url=f"http://127.0.0.1:{port}",
        web_dist=built_launchpad,
    )
    server = LiveServer(create_app(live_settings), port=port, settings=live_settings)
    server.start()
    yield server, home
    server.stop()


async def test_demo_tour_in_chromium(demo_server: tuple[LiveServer, Path]) -> None:
    server, home = demo_server
    env = {"ATOM_URL": server.url, "ATOM_DEMO_HOME": str(home)}
    await run_browser_tests(["e2e/demo/tour.test.mjs"], env, what="the demo tour")
