"""GraphiQL in a real browser with no network: the page, its assets and a query all come from the
server on 127.0.0.1 (issue 2, point 3). Any request for another host is aborted and recorded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from server.settings import Settings
from tests.browser.conftest import Traffic
from tests.conftest import LiveServer, make_settings, start_live_server
from tests.helpers import PASSWORD, SIGN_UP, unique, unique_email

STATIC = Path(__file__).resolve().parents[2] / "server" / "static" / "graphiql"
# What index.html loads; every one must come from the app itself with 200.
ASSETS = {
    "/static/graphiql/graphiql.min.css",
    "/static/graphiql/react.production.min.js",
    "/static/graphiql/react-dom.production.min.js",
    "/static/graphiql/graphiql.min.js",
    "/static/graphiql/atom-graphiql.js",
}
VIEWER_EMAIL = "{ viewer { user { email } } }"
TIMEOUT_MS = 20_000


def _open_graphiql(page: Page, url: str) -> None:
    page.goto(url, wait_until="load")
    expect(page.locator(".graphiql-container")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator(".graphiql-query-editor .CodeMirror")).to_be_visible(timeout=TIMEOUT_MS)


def _sign_up(server: LiveServer) -> tuple[str, str]:
    """(email, access token) of a new account with its own organization, over real HTTP."""
    email = unique_email("browser")
    variables = {
        "email": email,
        "password": PASSWORD,
        "displayName": "Browser",
        "organizationName": "Browser Org",
        "organizationSlug": unique("browser"),
    }
    response = httpx.post(
        f"{server.url}/graphql", json={"query": SIGN_UP, "variables": {"input": variables}}, timeout=30
    )
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["signUp"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return email, str(payload["session"]["accessToken"])


def _assert_stayed_local(traffic: Traffic) -> None:
    assert traffic.external == [], f"requests that tried to leave 127.0.0.1: {traffic.external}"
    assert traffic.failed == [], f"failed requests: {traffic.failed}"
    assert traffic.page_errors == [], f"uncaught errors in the page: {traffic.page_errors}"


def test_index_html_loads_exactly_the_vendored_assets() -> None:
    """The list above is the page's: a new asset in index.html must be added here (and so checked)."""
    html = (STATIC / "index.html").read_text()
    for asset in ASSETS:
        assert f'"{asset}"' in html
        assert (STATIC / Path(asset).name).is_file()
    assert html.count("/static/graphiql/") == len(ASSETS)
    for remote in ("http:", "https:", '="//'):
        assert remote not in html


@pytest.mark.browser
def test_graphiql_renders_with_no_network(page: Page, traffic: Traffic, live_server: LiveServer) -> None:
    _open_graphiql(page, f"{live_server.url}/graphql")
    page.wait_for_load_state("networkidle")

    assert page.title() == "ATOM Cloud · GraphiQL"
    expect(page.locator(".graphiql-execute-button")).to_be_visible()
    assets = traffic.static_assets()
    assert set(assets) == ASSETS, assets
    assert all(status == 200 for status in assets.values()), assets
    _assert_stayed_local(traffic)


@pytest.mark.browser
def test_graphiql_fetches_the_schema(page: Page, traffic: Traffic, live_server: LiveServer) -> None:
    """The explorer introspects the schema on load (docs, autocompletion); in development, where
    introspection is on, that request must succeed."""
    _open_graphiql(page, f"{live_server.url}/graphql")
    page.wait_for_load_state("networkidle")

    introspections: list[dict[str, Any]] = []
    for response in traffic.responses:
        request = response.request
        if request.method == "POST" and "__schema" in (request.post_data or ""):
            introspections.append(response.json())
    assert introspections, "GraphiQL sent no introspection query"
    for body in introspections:
        assert not body.get("errors"), body.get("errors")
        assert body["data"]["__schema"]["queryType"]["name"] == "Query"
    _assert_stayed_local(traffic)


@pytest.mark.browser
def test_graphiql_runs_a_query_with_the_token_from_the_fragment(
    page: Page, traffic: Traffic, live_server: LiveServer
) -> None:
    email, token = _sign_up(live_server)
    _open_graphiql(page, f"{live_server.url}/graphql#token={token}")

    # The token leaves the address bar at once (history, screenshots, Referer).
    assert token not in page.url
    assert page.url == f"{live_server.url}/graphql"

    page.evaluate(
        "query => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(query)",
        VIEWER_EMAIL,
    )
    with page.expect_response(
        lambda response: (
            response.url == f"{live_server.url}/graphql"
            and response.request.method == "POST"
            and "viewer" in (response.request.post_data or "")
        )
    ) as answered:
        page.locator(".graphiql-execute-button").click()
    request = answered.value.request
    assert request.headers.get("authorization") == f"Bearer {token}"
    assert json.loads(request.post_data or "{}")["query"].strip() == VIEWER_EMAIL

    result = page.locator(".result-window")
    expect(result).to_contain_text(email, timeout=TIMEOUT_MS)
    shown = page.evaluate("() => document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()")
    assert json.loads(shown) == {"data": {"viewer": {"user": {"email": email}}}}
    _assert_stayed_local(traffic)


def test_production_does_not_serve_graphiql(database_url: str, settings: Settings, tmp_path: Path) -> None:
    """No browser needed: in production, GET /graphql for a browser gets no explorer."""
    assert settings.master_key is not None
    production = make_settings(
        database_url, tmp_path, env="production", master_key=settings.master_key.get_secret_value()
    )
    assert not production.graphiql_enabled
    server = start_live_server(production)
    try:
        response = httpx.get(f"{server.url}/graphql", headers={"Accept": "text/html"}, timeout=30)
    finally:
        server.stop()
    assert not response.headers.get("content-type", "").startswith("text/html"), response.headers
    assert "graphiql" not in response.text.lower(), response.text[:500]
    assert response.status_code in (400, 404, 405), (response.status_code, response.text[:500])
