"""The Launchpad in a browser: node's test runner over web/e2e/*.test.mjs, which drive Debian's
chromium (playwright-core, headless, never a downloaded browser) against a live server started here on
127.0.0.1 with the built web/dist. This module provisions what the API cannot make, or what the browser
would take long to (a trusted reviewer organization, a platform operator's plan, WPK artifacts, a
publisher with more packages than a page of the marketplace, last month's finalized invoice of an
organization), and hands it over in environment variables.
Screenshots of every page land in web/e2e/artifacts/ (and the first screen of each, as JPEG, in docs/launchpad/ with
ATOM_LAUNCHPAD_DOC_SCREENSHOTS=1)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.billing.periods import period_of
from domain.clock import clock
from server.app import create_app
from server.settings import Settings
from tests.billing.flow import FINALIZE, create_plan, customer, event, per_unit, relog, report
from tests.browser.conftest import CHROMIUM, _browser_required
from tests.conftest import LiveServer, free_port, make_settings
from tests.helpers import Account, GraphQL, member_with_role, sign_up, unique
from tests.marketplace import flow as marketplace
from tests.marketplace.wpk_builder import DEFAULT_FILES, build_wpk, default_manifest
from tests.sdk.conftest import ROOT, platform_operator, trust_reviewer

WEB = ROOT / "web"
DIST = WEB / "dist"
E2E_TIMEOUT_SECONDS = 420
# A cloud credential in the archive: the analysis finds it, the version is high risk (two approvals).
AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"
# More than the marketplace's page (web/src/pages/Marketplace.tsx, PAGE_SIZE = 20): a second page loads on scroll.
CATALOG_PACKAGES = 25
# More than the package page's page of versions (web/src/pages/Package.tsx, VERSIONS_PAGE = 10).
CATALOG_VERSIONS = 12


def _required(reason: str) -> None:
    """A missing tool fails the test in CI (or with ATOM_REQUIRE_BROWSER=1), skips it elsewhere."""
    if _browser_required():
        pytest.fail(f"{reason} (required because CI or ATOM_REQUIRE_BROWSER=1 is set)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def built_launchpad() -> Path:
    """web/dist built from the current sources (scripts/web.sh ensure builds it when missing or stale)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        _required("node and npm are not on PATH: the Launchpad's browser tests need Node.js 20.19+")
    if not CHROMIUM.exists():
        _required(
            f"{CHROMIUM} is missing: install Debian's chromium (scripts/chromium.sh); no browser is downloaded"
        )
    ensure = subprocess.run(
        [str(ROOT / "scripts" / "web.sh"), "ensure"], capture_output=True, text=True, timeout=900
    )
    assert ensure.returncode == 0, f"scripts/web.sh ensure failed:\n{ensure.stdout}\n{ensure.stderr}"
    assert (DIST / "index.html").is_file(), f"{DIST} has no index.html after scripts/web.sh ensure"
    return DIST


@pytest.fixture(scope="module")
def launchpad_server(
    built_launchpad: Path, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    assert settings.master_key is not None
    port = free_port()
    live_settings = make_settings(
        settings.database_url,
        tmp_path_factory.mktemp("launchpad"),
        master_key=settings.master_key.get_secret_value(),
        public_url=f"http://127.0.0.1:{port}",
        usage_updates_interval_seconds=0.2,
        web_dist=built_launchpad,
    )
    server = LiveServer(create_app(live_settings), port=port, settings=live_settings)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def live_gql(launchpad_server: LiveServer) -> AsyncIterator[GraphQL]:
    async with httpx.AsyncClient(base_url=launchpad_server.url, trust_env=False, timeout=30) as http:
        yield GraphQL(http)


async def catalog_publisher(gql: GraphQL, scratch: Path) -> marketplace.Publisher:
    """A publisher with CATALOG_PACKAGES packages (none published: only its own organization lists
    them), the first of them with CATALOG_VERSIONS versions submitted, 1.0.0 to 1.0.11 in turn."""
    publisher = await marketplace.publisher(gql)
    first = ""
    for number in range(1, CATALOG_PACKAGES + 1):
        name = f"scroll-{number:02d}"
        package_id = await marketplace.create_package(gql, publisher, name, title=f"Scroll {number:02d}")
        first = first or package_id
    for patch in range(CATALOG_VERSIONS):
        version = f"1.0.{patch}"
        artifact = build_wpk(
            scratch / f"scroll-01-{version}.tar.gz", manifest=default_manifest("scroll-01", version)
        )
        published = await marketplace.publish(gql, publisher, first, artifact)
        assert published["userErrors"] == [], published
    return publisher


async def invoiced_organization(
    gql: GraphQL, operator: Account, plan_key: str
) -> tuple[Account, dict[str, Any]]:
    """An organization on `plan_key` since the middle of last month, with usage reported then, whose
    last month the platform operator has finalized (as tests/billing/test_end_to_end.py does: the
    clock, which the live server in this process shares, set back to last month, then past its end)."""
    last = period_of(period_of(clock.now()).start - timedelta(seconds=1))
    try:
        clock.freeze(last.start + timedelta(days=14, hours=12))
        owner, secret = await customer(gql, plan_key)
        reported = await report(gql, secret, [event("tokens", 100_000), event("tokens", 25_000)])
        assert reported == {"accepted": 2, "duplicates": 0, "userErrors": []}, reported
        clock.freeze(last.end + timedelta(hours=2))
        operator = await relog(gql, operator)
        finalized = (
            await gql(
                FINALIZE,
                {"input": {"organizationId": owner.organization_id, "period": last.key}},
                token=operator.access_token,
            )
        )["finalizeInvoice"]
    finally:
        clock.unfreeze()
    assert finalized["userErrors"] == [], finalized
    invoice: dict[str, Any] = finalized["invoice"]
    # the plan's fee for half the month, and a line per priced meter (tokens, package runs)
    assert invoice["status"] == "OPEN" and [line["kind"] for line in invoice["lines"]] == [
        "PLATFORM_FEE",
        "USAGE",
        "USAGE",
    ], invoice
    return owner, invoice


async def test_launchpad_end_to_end_in_chromium(
    launchpad_server: LiveServer, live_gql: GraphQL, settings: Settings, tmp_path: Path
) -> None:
    reviewer = await sign_up(live_gql, prefix="reviewer")
    assert reviewer.organization_slug is not None
    await trust_reviewer(settings, reviewer.organization_slug)
    second_reviewer = await member_with_role(live_gql, reviewer, "reviewer", prefix="reviewer2")
    operator = await sign_up(live_gql, prefix="operator")
    assert operator.organization_slug is not None
    await platform_operator(settings, operator.organization_slug)
    plan = await create_plan(
        live_gql, operator, prices=[per_unit("tokens", "0.002"), per_unit("package_runs", "1")]
    )
    catalog = await catalog_publisher(live_gql, tmp_path)
    invoiced, invoice = await invoiced_organization(live_gql, operator, str(plan["key"]))
    name = unique("hello")
    artifact = build_wpk(tmp_path / f"{name}-1.0.0.tar.gz", manifest=default_manifest(name, "1.0.0"))
    risky = build_wpk(
        tmp_path / f"{name}-1.1.0.tar.gz",
        manifest=default_manifest(name, "1.1.0"),
        files={**DEFAULT_FILES, "config.py": f"key = '{AWS_KEY}'\n".encode()},
    )
    env = {
        "ATOM_URL": launchpad_server.url,
        "ATOM_REVIEWER_EMAIL": reviewer.email,
        "ATOM_REVIEWER_PASSWORD": reviewer.password,
        "ATOM_PLAN": str(plan["key"]),
        "ATOM_PACKAGE_NAME": name,
        "ATOM_WPK": str(artifact),
        "ATOM_RISKY_WPK": str(risky),
        "ATOM_SECOND_REVIEWER_EMAIL": second_reviewer.email,
        "ATOM_SECOND_REVIEWER_PASSWORD": second_reviewer.password,
        "ATOM_CATALOG_EMAIL": catalog.account.email,
        "ATOM_CATALOG_PASSWORD": catalog.account.password,
        "ATOM_CATALOG_NAMESPACE": catalog.namespace,
        "ATOM_CATALOG_PACKAGES": str(CATALOG_PACKAGES),
        "ATOM_CATALOG_VERSIONS": str(CATALOG_VERSIONS),
        "ATOM_INVOICED_EMAIL": invoiced.email,
        "ATOM_INVOICED_PASSWORD": invoiced.password,
        # What the invoice page must show: its number and its lines as the API finalized them.
        "ATOM_INVOICE": json.dumps(
            {
                "number": invoice["number"],
                "lines": [[line["description"], line["quantity"]] for line in invoice["lines"]],
            }
        ),
    }
    files = sorted(str(p.relative_to(WEB)) for p in (WEB / "e2e").glob("*.test.mjs"))
    assert files, "web/e2e has no *.test.mjs"
    await run_browser_tests(files, env, what="the Launchpad's browser tests")


async def run_browser_tests(files: list[str], env: dict[str, str], *, what: str) -> None:
    """`node --test` over `files` (relative to web/) with `env` added, Debian's chromium and the
    screenshot settings; fails the test with node's output when any of them fails."""
    env = {
        **env,
        "ATOM_CHROMIUM": str(CHROMIUM),
        "ATOM_E2E_ARTIFACTS": str(WEB / "e2e" / "artifacts"),
        "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
        "NO_COLOR": "1",
    }
    if os.environ.get("ATOM_LAUNCHPAD_DOC_SCREENSHOTS") == "1":
        env["ATOM_E2E_DOC_SCREENSHOTS"] = str(ROOT / "docs" / "launchpad")
    process = await asyncio.create_subprocess_exec(
        "node",
        "--test",
        "--test-concurrency=1",
        "--test-reporter=spec",
        *files,
        cwd=WEB,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), E2E_TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        output, _ = await process.communicate()
        pytest.fail(f"node --test did not finish in {E2E_TIMEOUT_SECONDS} s:\n{output.decode()}")
    assert process.returncode == 0, f"{what} failed:\n{output.decode()}"
