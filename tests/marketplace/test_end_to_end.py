"""The marketplace promise end to end, on the storage backend under test (local or MinIO): a signed
package goes from upload to review to install, and the bytes downloaded are the bytes signed."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from tests.helpers import GraphQL, sign_up
from tests.marketplace import flow
from tests.marketplace.wpk_builder import build_wpk


async def test_publish_review_install_download(gql: GraphQL, app: FastAPI, tmp_path: Path) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    artifact = build_wpk(tmp_path / "hello-1.0.0.tar.gz")
    signed_digest = flow.sha256(artifact.read_bytes())

    published = await flow.publish(gql, pub, package_id, artifact)
    assert published["userErrors"] == []
    version = published["version"]
    assert version["status"] == "SUBMITTED"
    assert version["sha256"] == signed_digest
    assert version["verification"]["method"] == "KEY"
    assert version["verification"]["keyFingerprint"].startswith("SHA256:")
    assert version["verification"]["signingIdentity"] == {"id": pub.identity_id, "revokedAt": None}
    assert version["analysis"]["level"] in ("NONE", "LOW")

    # Not listed before review.
    consumer = await sign_up(gql, prefix="consumer")
    before = (await gql(flow.SEARCH, {"q": pub.namespace}, token=consumer.access_token))[
        "marketplacePackages"
    ]
    assert before["totalCount"] == 0

    reviewer = await flow.trusted_reviewer(gql, app)
    approved = (
        await gql(flow.APPROVE, {"input": {"versionId": version["id"]}}, token=reviewer.access_token)
    )["approveVersion"]
    assert approved["userErrors"] == []
    assert approved["version"]["status"] == "PUBLISHED"

    found = (await gql(flow.SEARCH, {"q": pub.namespace}, token=consumer.access_token))["marketplacePackages"]
    assert found["totalCount"] == 1
    node = found["nodes"][0]
    assert node["fullName"] == f"{pub.namespace}/hello"
    assert node["latestVersion"] == {"id": version["id"], "version": "1.0.0", "sha256": signed_digest}

    installed = (await gql(flow.INSTALL, {"input": {"packageId": package_id}}, token=consumer.access_token))[
        "installPackage"
    ]
    assert installed["userErrors"] == []
    assert installed["install"]["version"] == {"version": "1.0.0"}

    download = (
        await gql(flow.DOWNLOAD, {"input": {"versionId": version["id"]}}, token=consumer.access_token)
    )["createDownload"]
    assert download["userErrors"] == []
    assert download["download"]["sha256"] == signed_digest
    body = await flow.fetch(gql.http, download["download"]["url"])
    assert flow.sha256(body) == signed_digest
    assert body == artifact.read_bytes()

    after = (await gql(flow.SEARCH, {"q": pub.namespace}, token=consumer.access_token))["marketplacePackages"]
    assert after["nodes"][0]["installCount"] == 1
