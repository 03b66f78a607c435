"""Installs (entitlements), upgrades, uninstalls and downloads: who may download what, and that the
bytes behind a link are the bytes whose sha256 the link states."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from domain.clock import clock
from tests.helpers import Account, GraphQL, log_in, member_with_role, sign_up
from tests.marketplace import flow
from tests.marketplace.wpk_builder import build_wpk, default_manifest

UNINSTALL = """
mutation($input: UninstallPackageInput!) {
  uninstallPackage(input: $input) { install { id active } userErrors { field code } }
}
"""
INSTALL = """
mutation($input: InstallPackageInput!) {
  installPackage(input: $input) { install { id active version { id version } } userErrors { field code } }
}
"""
PACKAGE = """
query($name: String!) { package(fullName: $name) { id installCount latestVersion { id version } } }
"""
INSTALLS = "{ installs { id package { id } version { version } } }"
PAID = {"model": "PER_RUN", "amount": 100, "currency": "EUR"}


async def release(
    gql: GraphQL,
    tmp_path: Path,
    pub: flow.Publisher,
    package_id: str,
    version: str,
    reviewer: Account | None,
    *,
    name: str = "hello",
) -> dict[str, Any]:
    """Publish `version` and, with a reviewer, approve it (PUBLISHED); without one it stays SUBMITTED."""
    artifact = build_wpk(
        tmp_path / f"{name}-{version}.tar.gz",
        manifest=default_manifest(name=name, version=version),
        files={"main.py": f"print('{name} {version}')\n".encode()},
    )
    published = await flow.publish(gql, pub, package_id, artifact)
    assert published["userErrors"] == [], published
    result: dict[str, Any] = published["version"]
    if reviewer is not None:
        approved = (
            await gql(flow.APPROVE, {"input": {"versionId": result["id"]}}, token=reviewer.access_token)
        )["approveVersion"]
        assert approved["userErrors"] == [] and approved["version"]["status"] == "PUBLISHED", approved
        result["status"] = "PUBLISHED"
    return result


async def install(
    gql: GraphQL, account: Account, package_id: str, version_id: str | None = None
) -> dict[str, Any]:
    variables: dict[str, Any] = {"packageId": package_id}
    if version_id is not None:
        variables["versionId"] = version_id
    payload: dict[str, Any] = (await gql(INSTALL, {"input": variables}, token=account.access_token))[
        "installPackage"
    ]
    return payload


async def uninstall(gql: GraphQL, account: Account, package_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await gql(UNINSTALL, {"input": {"packageId": package_id}}, token=account.access_token)
    )["uninstallPackage"]
    return payload


async def download(gql: GraphQL, account: Account, version_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await gql(flow.DOWNLOAD, {"input": {"versionId": version_id}}, token=account.access_token)
    )["createDownload"]
    return payload


async def install_count(gql: GraphQL, account: Account, full_name: str) -> int:
    package = (await gql(PACKAGE, {"name": full_name}, token=account.access_token))["package"]
    return int(package["installCount"])


def errors(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_install_picks_the_latest_version_in_semver_order(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    reviewer = await flow.trusted_reviewer(gql, app)
    versions = {
        v: await release(gql, tmp_path, pub, package_id, v, reviewer) for v in ("1.0.0", "1.10.0", "1.9.0")
    }
    # A newer version still under review is not "latest".
    await release(gql, tmp_path, pub, package_id, "2.0.0", None)

    consumer = await sign_up(gql, prefix="consumer")
    page = (await gql(PACKAGE, {"name": f"{pub.namespace}/hello"}, token=consumer.access_token))["package"]
    assert page["latestVersion"] == {"id": versions["1.10.0"]["id"], "version": "1.10.0"}
    installed = await install(gql, consumer, package_id)
    assert errors(installed) == []
    assert installed["install"]["version"] == {"id": versions["1.10.0"]["id"], "version": "1.10.0"}


async def test_install_upgrade_reinstall_and_uninstall(gql: GraphQL, app: FastAPI, tmp_path: Path) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    full_name = f"{pub.namespace}/hello"
    reviewer = await flow.trusted_reviewer(gql, app)
    old = await release(gql, tmp_path, pub, package_id, "1.0.0", reviewer)
    new = await release(gql, tmp_path, pub, package_id, "1.1.0", reviewer)

    consumer = await sign_up(gql, prefix="consumer")
    assert await install_count(gql, consumer, full_name) == 0
    first = await install(gql, consumer, package_id, old["id"])
    assert errors(first) == []
    assert first["install"]["active"] is True
    assert first["install"]["version"] == {"id": old["id"], "version": "1.0.0"}
    assert await install_count(gql, consumer, full_name) == 1

    upgraded = await install(gql, consumer, package_id, new["id"])
    assert errors(upgraded) == []
    assert upgraded["install"]["id"] == first["install"]["id"]
    assert upgraded["install"]["version"] == {"id": new["id"], "version": "1.1.0"}
    assert await install_count(gql, consumer, full_name) == 1
    listed = (await gql(INSTALLS, token=consumer.access_token))["installs"]
    assert listed == [
        {"id": first["install"]["id"], "package": {"id": package_id}, "version": {"version": "1.1.0"}}
    ]

    again = await install(gql, consumer, package_id, new["id"])
    assert errors(again) == [("versionId", "ALREADY_INSTALLED")]
    assert again["install"] is None
    latest_again = await install(gql, consumer, package_id)
    assert errors(latest_again) == [("versionId", "ALREADY_INSTALLED")]

    second = await sign_up(gql, prefix="consumer")
    assert errors(await install(gql, second, package_id)) == []
    assert await install_count(gql, consumer, full_name) == 2

    removed = await uninstall(gql, consumer, package_id)
    assert errors(removed) == []
    assert removed["install"] == {"id": first["install"]["id"], "active": False}
    assert await install_count(gql, consumer, full_name) == 1
    assert (await gql(INSTALLS, token=consumer.access_token))["installs"] == []
    twice = await uninstall(gql, consumer, package_id)
    assert errors(twice) == [("packageId", "NOT_INSTALLED")]
    assert await install_count(gql, consumer, full_name) == 1

    back = await install(gql, consumer, package_id, old["id"])
    assert errors(back) == []
    assert back["install"]["active"] is True
    assert await install_count(gql, consumer, full_name) == 2
    assert errors(await uninstall(gql, second, package_id)) == []
    assert errors(await uninstall(gql, consumer, package_id)) == []
    assert await install_count(gql, consumer, full_name) == 0


async def test_unpublished_versions_cannot_be_installed(gql: GraphQL, app: FastAPI, tmp_path: Path) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    reviewer = await flow.trusted_reviewer(gql, app)
    await release(gql, tmp_path, pub, package_id, "1.0.0", reviewer)
    pending = await release(gql, tmp_path, pub, package_id, "1.1.0", None)
    consumer = await sign_up(gql, prefix="consumer")
    refused = await install(gql, consumer, package_id, pending["id"])
    assert errors(refused) == [("versionId", "NOT_FOUND")]
    # Not even the publisher installs an unreviewed version.
    own = await install(gql, pub.account, package_id, pending["id"])
    assert errors(own) == [("versionId", "NOT_FOUND")]


async def test_a_private_package_of_another_organization_cannot_be_installed(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub, visibility="PRIVATE")
    inside = await member_with_role(gql, pub.account, "reviewer")
    version = await release(gql, tmp_path, pub, package_id, "1.0.0", inside)

    outsider = await sign_up(gql, prefix="outsider")
    for version_id in (None, version["id"]):
        refused = await install(gql, outsider, package_id, version_id)
        assert errors(refused) == [("packageId", "NOT_FOUND")]
        assert refused["install"] is None
    assert errors(await download(gql, outsider, version["id"])) == [("versionId", "NOT_FOUND")]
    # Its own organization installs it.
    assert errors(await install(gql, pub.account, package_id)) == []


async def test_a_paid_package_is_downloaded_only_with_an_install(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub, pricing=PAID)
    reviewer = await flow.trusted_reviewer(gql, app)
    version = await release(gql, tmp_path, pub, package_id, "1.0.0", reviewer)

    consumer = await sign_up(gql, prefix="consumer")
    refused = await download(gql, consumer, version["id"])
    assert errors(refused) == [("versionId", "NOT_ENTITLED")]
    assert refused["download"] is None

    assert errors(await install(gql, consumer, package_id)) == []
    granted = await download(gql, consumer, version["id"])
    assert errors(granted) == []
    assert granted["download"]["sha256"] == version["sha256"]
    body = await flow.fetch(gql.http, granted["download"]["url"])
    assert flow.sha256(body) == version["sha256"]

    assert errors(await uninstall(gql, consumer, package_id)) == []
    assert errors(await download(gql, consumer, version["id"])) == [("versionId", "NOT_ENTITLED")]


async def test_a_public_free_package_is_downloaded_without_an_install(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    reviewer = await flow.trusted_reviewer(gql, app)
    version = await release(gql, tmp_path, pub, package_id, "1.0.0", reviewer)
    artifact = tmp_path / "hello-1.0.0.tar.gz"

    consumer = await sign_up(gql, prefix="consumer")
    granted = await download(gql, consumer, version["id"])
    assert errors(granted) == []
    link = granted["download"]
    assert (link["sha256"], link["size"], link["filename"]) == (
        version["sha256"],
        version["size"],
        "hello-1.0.0.tar.gz",
    )
    body = await flow.fetch(gql.http, link["url"])
    assert flow.sha256(body) == link["sha256"]
    assert len(body) == link["size"]
    assert body == artifact.read_bytes()


async def test_the_publisher_downloads_its_version_before_publication(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub, pricing=PAID)
    version = await release(gql, tmp_path, pub, package_id, "1.0.0", None)
    assert version["status"] == "SUBMITTED"

    granted = await download(gql, pub.account, version["id"])
    assert errors(granted) == []
    body = await flow.fetch(gql.http, granted["download"]["url"])
    assert flow.sha256(body) == version["sha256"] == granted["download"]["sha256"]
    assert body == (tmp_path / "hello-1.0.0.tar.gz").read_bytes()

    consumer = await sign_up(gql, prefix="consumer")
    assert errors(await download(gql, consumer, version["id"])) == [("versionId", "NOT_FOUND")]


async def test_tampered_and_expired_download_links_are_refused(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    for garbage in ("garbage", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA"):
        response = await gql.http.get(f"/artifacts/{garbage}")
        assert response.status_code == 404
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    reviewer = await flow.trusted_reviewer(gql, app)
    version = await release(gql, tmp_path, pub, package_id, "1.0.0", reviewer)
    consumer = await sign_up(gql, prefix="consumer")
    url = (await download(gql, consumer, version["id"]))["download"]["url"]
    if "X-Amz-" in url:
        pytest.skip("MinIO presigned URLs: MinIO checks their signature and expiry")
    token = url[url.index("/artifacts/") + len("/artifacts/") :]
    assert (await gql.http.get(f"/artifacts/{token}")).status_code == 200

    header, claims, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")
    for tampered in (
        f"{header}.{claims}.{flipped}",
        f"{header}.{claims}.",
        f"{header}.{claims}x.{signature}",
    ):
        response = await gql.http.get(f"/artifacts/{tampered}")
        assert response.status_code == 404, tampered
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    # A link made longer ago than its lifetime has expired.
    lifetime = app.state.runtime.marketplace.link_lifetime
    clock.freeze(clock.now() - lifetime - timedelta(minutes=1))
    try:
        # tokens are checked against the same clock, so the consumer signs in "back then" too
        then = await log_in(gql, consumer.email, consumer.organization_slug)
        stale = (await download(gql, then, version["id"]))["download"]
    finally:
        clock.unfreeze()
    stale_path = stale["url"][stale["url"].index("/artifacts/") :]
    response = await gql.http.get(stale_path)
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_fresh_link_expires_when_the_clock_passes_its_lifetime(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    reviewer = await flow.trusted_reviewer(gql, app)
    version = await release(gql, tmp_path, pub, package_id, "1.0.0", reviewer)
    consumer = await sign_up(gql, prefix="consumer")
    url = (await download(gql, consumer, version["id"]))["download"]["url"]
    if "X-Amz-" in url:
        pytest.skip("MinIO presigned URLs: MinIO checks their expiry by its own clock")
    path = url[url.index("/artifacts/") :]
    lifetime = app.state.runtime.marketplace.link_lifetime
    clock.freeze(clock.now() + lifetime + timedelta(minutes=1))
    try:
        response = await gql.http.get(path)
    finally:
        clock.unfreeze()
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
