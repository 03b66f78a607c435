"""The Launchpad's assets at `/` next to the API: index.html for client-side routes, hashed assets cached
for good, and none of the server's own routes shadowed; a missing build explained, not fatal."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from server.app import create_app
from server.settings import Settings
from tests.conftest import make_settings

HTML = {"Accept": "text/html,application/xhtml+xml"}
INDEX = (
    '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head></html>'
)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build as Vite lays it out: index.html, hashed assets, and a file of public/ at the root."""
    root = tmp_path_factory.mktemp("dist")
    (root / "index.html").write_text(INDEX)
    (root / "assets").mkdir()
    (root / "assets" / "index-abc123.js").write_text("console.log('launchpad');")
    (root / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return root


async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture(scope="module")
async def web(
    settings: Settings, dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    assert settings.master_key is not None
    home = tmp_path_factory.mktemp("web-home")
    configured = make_settings(
        settings.database_url, home, master_key=settings.master_key.get_secret_value(), web_dist=dist
    )
    async for http in _client(configured):
        yield http


async def test_index_at_root_and_for_client_side_routes(web: httpx.AsyncClient) -> None:
    for path in ("/", "/marketplace", "/packages/acme/hello", "/auth-studio?tab=keys", "/audit"):
        response = await web.get(path, headers=HTML)
        assert response.status_code == 200, path
        assert response.text == INDEX, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert response.headers["cache-control"] == "no-cache", path


async def test_hashed_assets_are_immutable_other_files_revalidated(web: httpx.AsyncClient) -> None:
    asset = await web.get("/assets/index-abc123.js")
    assert asset.status_code == 200
    assert asset.text == "console.log('launchpad');"
    assert "javascript" in asset.headers["content-type"]
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    icon = await web.get("/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["cache-control"] == "no-cache"


async def test_missing_files_are_404_not_the_page(web: httpx.AsyncClient) -> None:
    assert (await web.get("/assets/index-old999.js", headers=HTML)).status_code == 404
    assert (await web.get("/nothing.json", headers={"Accept": "application/json"})).status_code == 404
    for traversal in ("/..%2F..%2Fetc%2Fpasswd", "/assets/..%2F..%2F..%2Fetc%2Fpasswd"):
        response = await web.get(traversal, headers=HTML)
        assert "root:" not in response.text


async def test_server_routes_are_not_shadowed(web: httpx.AsyncClient) -> None:
    ide = await web.get("/graphql", headers=HTML)
    assert ide.status_code == 200
    assert "graphiql" in ide.text.lower()
    assert ide.text != INDEX
    assert (await web.get("/health", headers=HTML)).json() == {"status": "ok"}
    assert (await web.get("/ready", headers=HTML)).json()["status"] == "ready"
    metrics = await web.get("/metrics", headers=HTML)
    assert metrics.status_code == 200 and metrics.text != INDEX
    assert "keys" in (await web.get("/.well-known/jwks.json", headers=HTML)).json()
    assert (await web.get("/audit/export", headers=HTML)).status_code == 401
    artifact = await web.get("/artifacts/garbage", headers=HTML)
    assert artifact.status_code == 404
    assert artifact.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await web.get("/static/graphiql/atom-graphiql.js", headers=HTML)).status_code == 200
    # Unknown paths under the server's prefixes stay 404s; methods keep their answers.
    for path in ("/webhooks/other", "/audit/nothing", "/.well-known/nothing", "/static/nothing.js"):
        response = await web.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert response.text != INDEX, path
    assert (await web.get("/webhooks/stripe", headers=HTML)).status_code == 405
    assert (await web.post("/somewhere", headers=HTML)).status_code == 404


async def test_without_a_build_the_server_runs_and_explains(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory, caplog: pytest.LogCaptureFixture
) -> None:
    assert settings.master_key is not None
    home = tmp_path_factory.mktemp("unbuilt-home")
    configured = make_settings(
        settings.database_url,
        home,
        master_key=settings.master_key.get_secret_value(),
        web_dist=home / "no-dist",
    )
    with caplog.at_level(logging.WARNING, logger="server.web"):
        async for http in _client(configured):
            page = await http.get("/", headers=HTML)
            assert page.status_code == 503
            assert "scripts/web.sh build" in page.text
            assert (await http.get("/health")).json() == {"status": "ok"}
            assert (await http.get("/graphql", headers=HTML)).status_code == 200
    assert any("Launchpad not built" in record.getMessage() for record in caplog.records)


def test_default_dist_is_web_dist_of_the_checkout() -> None:
    assert Settings(web_dist=None).launchpad_dist == Path(__file__).resolve().parents[2] / "web" / "dist"
