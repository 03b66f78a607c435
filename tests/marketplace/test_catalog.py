"""The catalog: search, filters, sorting, and a fixed number of SQL statements per page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from tests.auth.test_query_counts import count_statements
from tests.helpers import GraphQL, sign_up, unique
from tests.marketplace import flow
from tests.marketplace.wpk_builder import build_wpk, default_manifest

LISTING = """
query($q: String, $first: Int, $sort: CatalogSort) {
  marketplacePackages(query: $q, first: $first, sort: $sort) {
    totalCount
    nodes { fullName installCount publisher { namespace displayName } latestVersion { version sha256 analysis { level } } }
  }
}
"""


async def _published_packages(
    gql: GraphQL, app: FastAPI, tmp_path: Path, tag: str, count: int, reviewer_token: str
) -> None:
    pub = await flow.publisher(gql)
    for i in range(count):
        name = f"pkg-{i}"
        package_id = await flow.create_package(gql, pub, name=name, tags=[tag])
        artifact = build_wpk(
            tmp_path / f"{pub.namespace}-{name}.tar.gz", manifest=default_manifest(name=name)
        )
        version = (await flow.publish(gql, pub, package_id, artifact))["version"]
        approved = await gql(flow.APPROVE, {"input": {"versionId": version["id"]}}, token=reviewer_token)
        assert approved["approveVersion"]["version"]["status"] == "PUBLISHED"


async def test_listing_runs_a_fixed_number_of_statements(gql: GraphQL, app: FastAPI, tmp_path: Path) -> None:
    reviewer = await flow.trusted_reviewer(gql, app)
    consumer = await sign_up(gql, prefix="consumer")
    small_tag, large_tag = unique("small"), unique("large")
    await _published_packages(gql, app, tmp_path, small_tag, 2, reviewer.access_token)
    for _ in range(2):  # several publishers, so the publisher loader has to batch
        await _published_packages(gql, app, tmp_path, large_tag, 6, reviewer.access_token)

    with count_statements(app) as small:
        small_page = await gql(LISTING, {"q": small_tag, "first": 50}, token=consumer.access_token)
    with count_statements(app) as large:
        large_page = await gql(LISTING, {"q": large_tag, "first": 50}, token=consumer.access_token)
    assert small_page["marketplacePackages"]["totalCount"] == 2
    assert large_page["marketplacePackages"]["totalCount"] == 12
    assert all(n["latestVersion"]["version"] == "1.0.0" for n in large_page["marketplacePackages"]["nodes"])
    # Six times the packages: an N+1 would add a statement per package; batching may split once.
    assert len(large) <= len(small) + 1, (len(small), len(large))


async def test_search_filters_and_sorting(gql: GraphQL, app: FastAPI, tmp_path: Path) -> None:
    reviewer = await flow.trusted_reviewer(gql, app)
    consumer = await sign_up(gql, prefix="consumer")
    tag = unique("sort")
    await _published_packages(gql, app, tmp_path, tag, 3, reviewer.access_token)
    newest = await gql(LISTING, {"q": tag, "sort": "NEWEST"}, token=consumer.access_token)
    names = [n["fullName"].split("/")[1] for n in newest["marketplacePackages"]["nodes"]]
    assert names == ["pkg-2", "pkg-1", "pkg-0"]
    nothing = await gql(LISTING, {"q": tag + " zzz-no-such-word"}, token=consumer.access_token)
    assert nothing["marketplacePackages"]["totalCount"] == 0


FILTERED = """
query($q: String, $filter: CatalogFilter, $sort: CatalogSort) {
  marketplacePackages(query: $q, filter: $filter, sort: $sort, first: 50) { totalCount nodes { fullName installCount } }
}
"""


async def test_filters_and_most_installed(gql: GraphQL, app: FastAPI, tmp_path: Path) -> None:
    reviewer = await flow.trusted_reviewer(gql, app)
    tag = unique("filt")
    pub = await flow.publisher(gql)
    names = {"free-one": {}, "paid-one": {"pricing": {"model": "PER_RUN", "amount": 250, "currency": "EUR"}}}
    for name, extra in names.items():
        package_id = await flow.create_package(gql, pub, name=name, tags=[tag], **extra)
        artifact = build_wpk(tmp_path / f"{name}.tar.gz", manifest=default_manifest(name=name))
        version = (await flow.publish(gql, pub, package_id, artifact))["version"]
        await gql(flow.APPROVE, {"input": {"versionId": version["id"]}}, token=reviewer.access_token)
    installer = await sign_up(gql, prefix="installer")
    paid = await gql(FILTERED, {"q": tag, "filter": {"pricing": "PER_RUN"}}, token=installer.access_token)
    assert [n["fullName"] for n in paid["marketplacePackages"]["nodes"]] == [f"{pub.namespace}/paid-one"]
    package = await gql(
        "query($n: String!) { package(fullName: $n) { id } }", {"n": f"{pub.namespace}/paid-one"}
    )
    installed = await gql(
        flow.INSTALL, {"input": {"packageId": package["package"]["id"]}}, token=installer.access_token
    )
    assert installed["installPackage"]["userErrors"] == []

    def names_of(result: dict[str, Any]) -> list[str]:
        return [n["fullName"].split("/")[1] for n in result["marketplacePackages"]["nodes"]]

    popular = await gql(FILTERED, {"q": tag, "sort": "MOST_INSTALLED"}, token=installer.access_token)
    assert names_of(popular) == ["paid-one", "free-one"]
    by_tag = await gql(FILTERED, {"filter": {"tags": [tag]}}, token=installer.access_token)
    assert sorted(names_of(by_tag)) == ["free-one", "paid-one"]
    by_publisher = await gql(FILTERED, {"filter": {"publisher": pub.namespace}}, token=installer.access_token)
    assert sorted(names_of(by_publisher)) == ["free-one", "paid-one"]
    low_risk = await gql(FILTERED, {"q": tag, "filter": {"riskLevels": ["NONE", "LOW"], "verified": True}})
    assert sorted(names_of(low_risk)) == ["free-one", "paid-one"]
    critical = await gql(FILTERED, {"q": tag, "filter": {"riskLevels": ["CRITICAL"]}})
    assert critical["marketplacePackages"]["totalCount"] == 0
