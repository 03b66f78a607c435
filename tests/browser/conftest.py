"""Browser fixtures: Debian's chromium driven by playwright (never a downloaded browser), and pages
whose every request is routed through a guard that aborts and records anything not for 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Request,
    Response,
    Route,
    WebSocketRoute,
    sync_playwright,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1"}


def _browser_required() -> bool:
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return ci or os.environ.get("ATOM_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = (
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`); "
            "the browser tests never download a browser"
        )
        if _browser_required():
            pytest.fail(f"{reason} (required because CI or ATOM_REQUIRE_BROWSER=1 is set)")
        pytest.skip(f"{reason}. Set ATOM_REQUIRE_BROWSER=1 to make this a failure.")
    return CHROMIUM


# Module scope: the driver's event loop is gone before the next module's asyncio tests run.
@pytest.fixture(scope="module")
def playwright_driver(chromium_path: Path) -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(
    playwright_driver: Playwright, chromium_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Browser]:
    # launch() gives every run a fresh temporary profile; the downloads go to a temp directory too.
    chromium = playwright_driver.chromium.launch(
        executable_path=str(chromium_path),
        args=CHROMIUM_ARGS,
        headless=True,
        downloads_path=str(tmp_path_factory.mktemp("downloads")),
    )
    yield chromium
    chromium.close()


@dataclass
class Traffic:
    """What the page asked for: requests that tried to leave 127.0.0.1 (aborted), every response,
    requests that failed, and uncaught page errors."""

    external: list[str] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def static_assets(self, prefix: str = "/static/graphiql/") -> dict[str, int]:
        return {
            urlsplit(response.url).path: response.status
            for response in self.responses
            if urlsplit(response.url).path.startswith(prefix)
        }


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOCAL_HOSTS


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def context(browser: Browser, traffic: Traffic) -> Iterator[BrowserContext]:
    ctx = browser.new_context(service_workers="block")

    def guard(route: Route, request: Request) -> None:
        if _is_local(request.url):
            route.continue_()
        else:
            traffic.external.append(f"{request.method} {request.url}")
            route.abort("blockedbyclient")

    def guard_websocket(ws: WebSocketRoute) -> None:
        if _is_local(ws.url):
            ws.connect_to_server()
        else:
            traffic.external.append(f"WEBSOCKET {ws.url}")
            ws.close()

    ctx.route("**/*", guard)
    ctx.route_web_socket("**/*", guard_websocket)

    def on_response(response: Response) -> None:
        traffic.responses.append(response)

    ctx.on("response", on_response)
    ctx.on(
        "requestfailed",
        lambda request: traffic.failed.append(f"{request.method} {request.url}: {request.failure}"),
    )
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext, traffic: Traffic) -> Page:
    new_page = context.new_page()
    new_page.on("pageerror", lambda error: traffic.page_errors.append(str(error)))
    return new_page
