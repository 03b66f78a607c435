"""The TypeScript SDK (clients/typescript) against a live server: node's test runner over its
`test/` directory, and the examples of docs/sdk-typescript.md run as they are written. This module
provisions what they cannot make through the API themselves (a trusted reviewer organization, a
platform operator's plan, access tokens that are expired or about to be, WPK artifacts) and hands it
over in environment variables."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import Route, sync_playwright

from domain.auth.keys import KeyRing
from domain.auth.tokens import VERIFICATION_LEEWAY, TokenService, TokenSettings
from domain.db import make_engine, make_sessionmaker, unit_of_work
from resolvers.ids import from_global_id
from server.settings import Settings
from tests.billing.flow import create_plan, per_unit, subscribe
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _browser_required
from tests.conftest import LiveServer
from tests.helpers import Account, GraphQL, sign_up, unique
from tests.marketplace import flow
from tests.marketplace.wpk_builder import build_wpk, default_manifest
from tests.sdk.conftest import ROOT, platform_operator, trust_reviewer

SDK = ROOT / "clients" / "typescript"
DOC = ROOT / "docs" / "sdk-typescript.md"
NODE_TIMEOUT_SECONDS = 240
# How long the server goes on accepting the "stale" access token after it is minted (its `exp` is
# already past, inside the verification leeway): long enough for node to start and subscribe with
# it, short enough for a test to wait until it expires mid-stream.
STALE_TOKEN_GRACE = timedelta(seconds=15)
RENEWAL_TEST = "subscription-renewal.test.js"

QUERY_VERSIONS = """
query($fullName: String!) {
  package(fullName: $fullName) { installCount versions(first: 10) { nodes { version status } } }
}
"""


# ---- Node and the built SDK ------------------------------------------------------------------


def _newest_mtime(directory: Path, pattern: str) -> float:
    return max((p.stat().st_mtime for p in directory.rglob(pattern)), default=0.0)


@pytest.fixture(scope="module")
def built_sdk() -> Path:
    """clients/typescript with its dependencies installed and dist/ built from the current src/."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the TypeScript SDK tests need Node.js 20.19 or newer")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    major, minor = (int(part) for part in version.lstrip("v").split(".")[:2])
    assert (major, minor) >= (20, 19), f"Node.js {version} is too old for the SDK (20.19 or newer)"
    if not (SDK / "node_modules").is_dir():
        pytest.fail(f"{SDK}/node_modules is missing: run `npm ci && npm run build` in clients/typescript")
    if _newest_mtime(SDK / "dist", "*.js") < max(
        _newest_mtime(SDK / "src", "*.ts"), (SDK / "package.json").stat().st_mtime
    ):
        build = subprocess.run(
            ["npm", "run", "--silent", "build"], cwd=SDK, capture_output=True, text=True, timeout=300
        )
        assert build.returncode == 0, f"npm run build failed:\n{build.stdout}\n{build.stderr}"
    return SDK


async def run_node(args: list[str], *, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run node; (exit code, stdout and stderr together). Killed after NODE_TIMEOUT_SECONDS."""
    process = await asyncio.create_subprocess_exec(
        "node",
        *args,
        cwd=cwd,
        env={**os.environ, **env, "NO_COLOR": "1"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), NODE_TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        output, _ = await process.communicate()
        pytest.fail(f"node {' '.join(args)} did not finish in {NODE_TIMEOUT_SECONDS} s:\n{output.decode()}")
    assert process.returncode is not None
    return process.returncode, output.decode()


# ---- provisioning -------------------------------------------------------------------------------


@pytest.fixture
async def live_gql(sdk_server: LiveServer) -> AsyncIterator[GraphQL]:
    async with httpx.AsyncClient(base_url=sdk_server.url, trust_env=False, timeout=30) as http:
        yield GraphQL(http)


def _uuid(global_id: str | None) -> uuid.UUID | None:
    decoded = from_global_id(global_id) if global_id else None
    return decoded[1] if decoded else None


async def mint_access_token(settings: Settings, account: Account, *, expires_in: timedelta) -> str:
    """An access token for `account`, signed by the server's current key, expiring `expires_in` from
    now (negative: already expired). The server only issues 15-minute tokens; tests need others."""
    keyring = KeyRing(settings.master, token_lifetime=settings.access_token_ttl + VERIFICATION_LEEWAY)
    token_settings = TokenSettings(
        issuer=settings.issuer,
        audience=settings.audience,
        access_token_ttl=expires_in,
        refresh_token_ttl=settings.refresh_token_ttl,
    )
    user_id = _uuid(account.user_id)
    assert user_id is not None
    engine = make_engine(settings.database_url)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            token, _ = await TokenService(keyring, token_settings).issue_access_token(
                session, user_id=user_id, organization_id=_uuid(account.organization_id)
            )
    finally:
        await engine.dispose()
    return token


async def billing_plan(gql: GraphQL, settings: Settings) -> str:
    """The key of a new plan, created by a new platform operator (as `atom orgs platform-operator` makes one)."""
    operator = await sign_up(gql, prefix="operator")
    assert operator.organization_slug is not None
    await platform_operator(settings, operator.organization_slug)
    plan = await create_plan(
        gql, operator, prices=[per_unit("tokens", "0.002"), per_unit("package_runs", "1")]
    )
    return str(plan["key"])


async def trusted_reviewer(gql: GraphQL, settings: Settings) -> Account:
    reviewer = await sign_up(gql, prefix="reviewer")
    assert reviewer.organization_slug is not None
    await trust_reviewer(settings, reviewer.organization_slug)
    return reviewer


def wpk(directory: Path, name: str, version: str) -> Path:
    return build_wpk(directory / f"{name}-{version}.tar.gz", manifest=default_manifest(name, version))


def reviewer_env(reviewer: Account) -> dict[str, str]:
    assert reviewer.organization_slug is not None
    return {
        "ATOM_REVIEWER_EMAIL": reviewer.email,
        "ATOM_REVIEWER_PASSWORD": reviewer.password,
        "ATOM_REVIEWER_ORG": reviewer.organization_slug,
    }


# ---- node --test over clients/typescript/test ---------------------------------------------------


async def test_sdk_test_suite_passes_against_a_live_server(
    built_sdk: Path, sdk_server: LiveServer, live_gql: GraphQL, settings: Settings, tmp_path: Path
) -> None:
    reviewer = await trusted_reviewer(live_gql, settings)
    plan = await billing_plan(live_gql, settings)
    # One account whose tokens the session tests tamper with: an expired access token, and one that
    # the server accepts for a few seconds more (its `exp` is past, within the verification leeway).
    holder = await sign_up(live_gql, prefix="holder")
    expired = await mint_access_token(settings, holder, expires_in=-timedelta(minutes=5))
    name = unique("hello")
    env = {
        "ATOM_URL": sdk_server.url,
        **reviewer_env(reviewer),
        "ATOM_PLAN": plan,
        "ATOM_PACKAGE_NAME": name,
        "ATOM_WPK_1_0_0": str(wpk(tmp_path, name, "1.0.0")),
        "ATOM_WPK_1_1_0": str(wpk(tmp_path, name, "1.1.0")),
        "ATOM_HOLDER_EMAIL": holder.email,
        "ATOM_HOLDER_PASSWORD": holder.password,
        "ATOM_EXPIRED_ACCESS_TOKEN": expired,
    }
    # The renewal test first, on its own, with its stale token minted right before node starts.
    stale_in = STALE_TOKEN_GRACE - VERIFICATION_LEEWAY
    stale = await mint_access_token(settings, holder, expires_in=stale_in)
    refused_at_ms = int((time.time() + STALE_TOKEN_GRACE.total_seconds()) * 1000)
    renewal = {"ATOM_STALE_ACCESS_TOKEN": stale, "ATOM_STALE_ACCESS_TOKEN_REFUSED_AT": str(refused_at_ms)}
    code, output = await run_node(
        ["--test", "--test-reporter=spec", f"test/{RENEWAL_TEST}"], cwd=built_sdk, env={**env, **renewal}
    )
    assert code == 0, f"node --test test/{RENEWAL_TEST} failed (exit {code}):\n{output}"
    # The others one file at a time: tests that wait for a stream to be live count the server's streams.
    others = sorted(p.name for p in (built_sdk / "test").glob("*.test.js") if p.name != RENEWAL_TEST)
    files = [f"test/{name}" for name in others]
    code, output = await run_node(
        ["--test", "--test-concurrency=1", "--test-reporter=spec", *files], cwd=built_sdk, env=env
    )
    assert code == 0, f"node --test failed (exit {code}):\n{output}"


# ---- the examples of docs/sdk-typescript.md -------------------------------------------------------


@dataclass(frozen=True)
class Example:
    line: int
    code: str


def doc_examples() -> list[Example]:
    """The ```js and ```ts blocks of the doc, in order (each one a complete ES module)."""
    text = DOC.read_text()
    examples = []
    for match in re.finditer(r"^```(?:js|ts|javascript|typescript)\n(.*?)^```", text, re.M | re.S):
        examples.append(Example(text.count("\n", 0, match.start()) + 1, match.group(1)))
    return examples


@pytest.fixture
def example_dir(built_sdk: Path, tmp_path: Path) -> Path:
    """A directory where `@atom-cloud/sdk` (and `ws`) resolve as they do for a reader who installed them."""
    modules = tmp_path / "node_modules"
    (modules / "@atom-cloud").mkdir(parents=True)
    (modules / "@atom-cloud" / "sdk").symlink_to(built_sdk, target_is_directory=True)
    (modules / "ws").symlink_to(built_sdk / "node_modules" / "ws", target_is_directory=True)
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    return tmp_path


async def test_doc_examples_run_against_a_live_server(
    example_dir: Path, sdk_server: LiveServer, live_gql: GraphQL, settings: Settings
) -> None:
    examples = doc_examples()
    assert len(examples) >= 8, "docs/sdk-typescript.md lost its examples"
    # What the doc asks the reader to have: an account that is a publisher with a registered key
    # (its PEM in a file), a package and its artifact, a plan, and a reviewer of a trusted organization.
    publisher = await flow.publisher(live_gql)
    reader = publisher.account
    key_file = example_dir / "signing-key.pem"
    key_file.write_bytes(
        publisher.key.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    name = unique("greeter")
    await flow.create_package(live_gql, publisher, name, title="Greeter", tags=["docs"])
    subscribed = await subscribe(live_gql, reader, await billing_plan(live_gql, settings))
    assert subscribed["userErrors"] == []
    reviewer = await trusted_reviewer(live_gql, settings)
    full_name = f"{publisher.namespace}/{name}"
    env = {
        "ATOM_URL": sdk_server.url,
        "ATOM_EMAIL": reader.email,
        "ATOM_PASSWORD": reader.password,
        "ATOM_PACKAGE": full_name,
        "ATOM_WPK": str(wpk(example_dir, name, "1.0.0")),
        "ATOM_SIGNING_KEY": str(key_file),
        **reviewer_env(reviewer),
    }
    for index, example in enumerate(examples):
        script = example_dir / f"example-{index:02d}.mjs"
        script.write_text(example.code)
        code, output = await run_node([script.name], cwd=example_dir, env=env)
        assert code == 0, (
            f"the example at docs/sdk-typescript.md:{example.line} failed (exit {code}):\n{output}"
        )
    # The examples published, approved and installed the package for real.
    package = (await live_gql(QUERY_VERSIONS, {"fullName": full_name}, token=reader.access_token))["package"]
    assert package["versions"]["nodes"] == [{"version": "1.0.0", "status": "PUBLISHED"}]
    assert package["installCount"] == 1


# ---- in a browser -------------------------------------------------------------------------------

# Bare specifiers of the built SDK and its dependencies, as a bundler would resolve them.
BROWSER_IMPORTS = {
    "@atom-cloud/sdk": "/sdk/dist/index.js",
    "graphql-ws/client": "/sdk/node_modules/graphql-ws/dist/client.js",
    "@noble/curves/": "/sdk/node_modules/@noble/curves/",
    "@noble/hashes/": "/sdk/node_modules/@noble/hashes/",
}


def test_sdk_runs_in_chromium(built_sdk: Path, sdk_server: LiveServer, tmp_path: Path) -> None:
    """clients/typescript/test/browser.html in Debian's chromium, at the server's origin (the server
    grants no CORS): the page, the SDK's modules and the artifacts are served by request routing."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium to run the SDK in a browser"
        if _browser_required():
            pytest.fail(reason)
        pytest.skip(reason)
    name = unique("browser")
    for version in ("1.0.0", "1.1.0"):
        wpk(tmp_path, name, version)
    page_html = (built_sdk / "test" / "browser.html").read_text()
    page_html = page_html.replace('{"imports": {}}', json.dumps({"imports": BROWSER_IMPORTS}))
    origin = sdk_server.url

    def sdk_file(route: Route) -> None:
        relative = route.request.url.removeprefix(f"{origin}/sdk/").split("?")[0]
        path = (built_sdk / relative).resolve()
        assert path.is_relative_to(built_sdk.resolve()), path
        route.fulfill(status=200, body=path.read_bytes(), content_type="text/javascript")

    def artifact(route: Route) -> None:
        path = tmp_path / route.request.url.rsplit("/", 1)[1]
        route.fulfill(status=200, body=path.read_bytes(), content_type="application/gzip")

    def local_only(route: Route) -> None:
        # The server, and object storage on 127.0.0.1 for presigned uploads; nothing else.
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.fallback()
        else:
            route.abort("blockedbyclient")

    with sync_playwright() as driver:
        # A page served by routing counts as a public address to Chromium's Local Network Access
        # checks, which would then refuse its WebSocket to 127.0.0.1; a real deployment is one origin.
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"],
            headless=True,
        )
        try:
            page = browser.new_page()
            page.route("**/*", local_only)
            page.route(f"{origin}/sdk/**", sdk_file)
            page.route(f"{origin}/browser-test/**", artifact)
            page.route(
                f"{origin}/sdk-test.html",
                lambda route: route.fulfill(status=200, body=page_html, content_type="text/html"),
            )
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.add_init_script(f"window.ATOM_PACKAGE_NAME = {json.dumps(name)};")
            page.goto(f"{origin}/sdk-test.html")
            page.wait_for_function("window.result !== undefined", timeout=60_000)
            result = page.evaluate("window.result")
        finally:
            browser.close()
    assert result["ok"], f"{result.get('error')}\nsteps done: {result['steps']}\npage errors: {errors}"
    assert result["steps"][-1] == "published 1.1.0 (presigned, ECDSA)"
