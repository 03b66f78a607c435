"""Every bad input of the publish pipeline is a userError with its code, deletes the uploaded bytes
(no orphan object) and leaves no version behind."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from server.app import create_app
from server.settings import Settings
from tests.fixtures import SIGSTORE
from tests.helpers import GraphQL
from tests.marketplace import flow
from tests.marketplace.signing import ed25519_key
from tests.marketplace.wpk_builder import (
    build_bomb,
    build_link_tar,
    build_many_members,
    build_with_member,
    build_wpk,
    default_manifest,
)
from tests.test_graphql_surface import sibling_settings

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITHUB_IDENTITY = "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2"

VERSIONS = """
query($name: String!) { package(fullName: $name) { versions(first: 50) { totalCount } } }
"""


async def _objects(app: FastAPI) -> list[str]:
    return list(await app.state.runtime.marketplace.storage.list_keys("uploads/"))


async def _refused(
    gql: GraphQL, app: FastAPI, pub: flow.Publisher, package_id: str, artifact: Path, **kwargs: Any
) -> list[tuple[str | None, str]]:
    before = set(await _objects(app))
    payload = await flow.publish(gql, pub, package_id, artifact, **kwargs)
    assert payload["version"] is None
    after = set(await _objects(app))
    assert after == before, "the refused upload left its bytes in storage"
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "not an archive": (lambda d: _write(d / "x.tar.gz", b"hello, not an archive"), "NOT_AN_ARCHIVE"),
    "dot-dot path": (lambda d: build_with_member(d / "a.tar.gz", "../evil.py"), "PATH_TRAVERSAL"),
    "absolute path": (lambda d: build_with_member(d / "a.tar.gz", "/etc/cron.d/x"), "PATH_TRAVERSAL"),
    "zip dot-dot": (lambda d: build_with_member(d / "a.zip", "../../x", fmt="zip"), "PATH_TRAVERSAL"),
    "symlink": (lambda d: build_link_tar(d / "a.tar.gz"), "LINK_NOT_ALLOWED"),
    "zip bomb": (lambda d: build_bomb(d / "a.zip", size=64 * 1024 * 1024), "COMPRESSION_RATIO_EXCEEDED"),
    "too many members": (lambda d: build_many_members(d / "a.tar.gz", count=1500), "TOO_MANY_MEMBERS"),
    "no manifest": (lambda d: build_wpk(d / "a.tar.gz", manifest=None), "MANIFEST_MISSING"),
    "manifest schema": (
        lambda d: build_wpk(d / "a.tar.gz", manifest=default_manifest(entrypoint=42)),
        "MANIFEST_INVALID",
    ),
    "invalid semver": (
        lambda d: build_wpk(d / "a.tar.gz", manifest=default_manifest(version="1.0")),
        "MANIFEST_INVALID",
    ),
    "other package's manifest": (
        lambda d: build_wpk(d / "a.tar.gz", manifest=default_manifest(name="other")),
        "MANIFEST_MISMATCH",
    ),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", sorted(CASES))
async def test_bad_artifacts_are_refused_cleanly(
    gql: GraphQL, app: FastAPI, tmp_path: Path, case: str
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    build, code = CASES[case]
    errors = await _refused(gql, app, pub, package_id, build(tmp_path))
    assert [c for _f, c in errors] == [code], errors
    versions = await gql(VERSIONS, {"name": f"{pub.namespace}/hello"}, token=pub.account.access_token)
    assert versions["package"]["versions"]["totalCount"] == 0


async def test_signature_over_another_digest(gql: GraphQL, app: FastAPI, tmp_path: Path) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    artifact = build_wpk(tmp_path / "a.tar.gz")
    other = pub.key.sign(b"some other bytes")
    errors = await _refused(gql, app, pub, package_id, artifact, signature={"keySignature": other})
    assert errors == [("signature", "SIGNATURE_INVALID")]


async def test_unknown_revoked_and_foreign_identities(gql: GraphQL, app: FastAPI, tmp_path: Path) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    artifact = build_wpk(tmp_path / "a.tar.gz")
    data = artifact.read_bytes()
    unknown = ed25519_key().sign(data)
    assert await _refused(gql, app, pub, package_id, artifact, signature={"keySignature": unknown}) == [
        ("signature", "SIGNATURE_INVALID")
    ]
    # Another publisher's registered key is foreign here.
    other = await flow.publisher(gql)
    foreign = other.key.sign(data)
    assert await _refused(gql, app, pub, package_id, artifact, signature={"keySignature": foreign}) == [
        ("signature", "SIGNATURE_INVALID")
    ]
    revoke = await gql(
        'mutation($i: ID!) { revokeSigningIdentity(input: {identityId: $i, reason: "leaked"}) { userErrors { code } } }',
        {"i": pub.identity_id},
        token=pub.account.access_token,
    )
    assert revoke["revokeSigningIdentity"]["userErrors"] == []
    assert await _refused(gql, app, pub, package_id, artifact) == [("signature", "IDENTITY_REVOKED")]


async def test_duplicate_version(gql: GraphQL, app: FastAPI, tmp_path: Path) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    first = await flow.publish(gql, pub, package_id, build_wpk(tmp_path / "a.tar.gz"))
    assert first["userErrors"] == []
    again = build_wpk(tmp_path / "b.tar.gz", files={"main.py": b"print('changed')\n"})
    assert await _refused(gql, app, pub, package_id, again) == [("artifact", "VERSION_EXISTS")]


async def test_publishing_into_another_organizations_package(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    owner = await flow.publisher(gql)
    their_package = await flow.create_package(gql, owner)
    intruder = await flow.publisher(gql)
    errors = await _refused(gql, app, intruder, their_package, build_wpk(tmp_path / "a.tar.gz"))
    assert errors == [("packageId", "NOT_FOUND")]


async def test_upload_over_the_size_limit(settings: Settings, tmp_path: Path) -> None:
    """With local storage the server refuses the PUT itself (413); a presigned MinIO PUT cannot be
    capped, so publishVersion refuses it (UPLOAD_TOO_LARGE) while reading the bytes, and deletes them."""
    limit = 4096
    small = sibling_settings(settings, max_upload_bytes=limit)
    app = create_app(small)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40001))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            gql = GraphQL(http)
            pub = await flow.publisher(gql)
            package_id = await flow.create_package(gql, pub)
            payload = (
                await gql(
                    flow.CREATE_UPLOAD, {"input": {"filename": "big.tar.gz"}}, token=pub.account.access_token
                )
            )["createUpload"]
            url, upload_id = payload["upload"]["url"], payload["upload"]["uploadId"]
            before = set(await _objects(app))
            too_big = build_wpk(
                tmp_path / "big.tar.gz", files={"main.py": os.urandom(3 * limit)}
            ).read_bytes()
            response = await flow.put_bytes(http, url, too_big)
            if "X-Amz-" not in url:
                assert response.status_code == 413
                assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
            else:
                assert response.status_code == 200
                variables = {
                    "input": {
                        "packageId": package_id,
                        "uploadId": upload_id,
                        "signature": {"keySignature": pub.key.sign(too_big)},
                    }
                }
                refused = (await gql(flow.PUBLISH, variables, token=pub.account.access_token))[
                    "publishVersion"
                ]
                assert refused["userErrors"] == [
                    {
                        "field": "uploadId",
                        "message": f"The artifact is larger than {limit} bytes.",
                        "code": "UPLOAD_TOO_LARGE",
                    }
                ]
            assert set(await _objects(app)) == before


async def test_the_production_sigstore_artifact(gql: GraphQL, app: FastAPI, tmp_path: Path) -> None:
    """The real Sigstore-signed wheel: under its identity the signature verifies and the upload is then
    refused only for holding no WPK manifest; under any other identity it is refused for its signature."""
    if not SIGSTORE.is_dir():
        pytest.fail(f"the shared Sigstore fixtures are missing: {SIGSTORE}")
    wheel = SIGSTORE / "production" / "bundle_v3_github.whl"
    bundle = (SIGSTORE / "production" / "bundle_v3_github.whl.sigstore").read_text()
    artifact = tmp_path / "bundle_v3_github.zip"
    artifact.write_bytes(wheel.read_bytes())

    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    signature = {"sigstoreBundle": bundle}
    other = await gql(
        flow.REGISTER_SIGSTORE,
        {
            "input": {
                "name": "someone else",
                "issuer": GITHUB_ISSUER,
                "identity": "https://github.com/acme/x/.github/workflows/r.yml@refs/heads/main",
            }
        },
        token=pub.account.access_token,
    )
    assert other["registerSigstoreIdentity"]["userErrors"] == []
    assert await _refused(gql, app, pub, package_id, artifact, signature=signature) == [
        ("signature", "IDENTITY_UNKNOWN")
    ]
    matching = await gql(
        flow.REGISTER_SIGSTORE,
        {"input": {"name": "rfc8785 releases", "issuer": GITHUB_ISSUER, "identity": GITHUB_IDENTITY}},
        token=pub.account.access_token,
    )
    assert matching["registerSigstoreIdentity"]["userErrors"] == []
    assert await _refused(gql, app, pub, package_id, artifact, signature=signature) == [
        ("artifact", "MANIFEST_MISSING")
    ]
    assert json.loads(bundle)["mediaType"].startswith("application/vnd.dev.sigstore.bundle")
