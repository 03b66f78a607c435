"""The marketplace journey through GraphQL, step by step, for end-to-end and bad-input tests."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from domain.auth.service import set_marketplace_reviewer
from domain.db import unit_of_work
from domain.principal import Principal
from tests.helpers import Account, GraphQL, sign_up, unique
from tests.marketplace.signing import SigningKey, ed25519_key

BECOME_PUBLISHER = """
mutation($input: BecomePublisherInput!) { becomePublisher(input: $input) { publisher { id namespace } userErrors { field code } } }
"""
REGISTER_KEY = """
mutation($input: RegisterPublicKeyInput!) {
  registerPublicKey(input: $input) { signingIdentity { id keyFingerprint keyAlgorithm } userErrors { field code } }
}
"""
REGISTER_SIGSTORE = """
mutation($input: RegisterSigstoreIdentityInput!) {
  registerSigstoreIdentity(input: $input) { signingIdentity { id } userErrors { field code } }
}
"""
CREATE_PACKAGE = """
mutation($input: CreatePackageInput!) { createPackage(input: $input) { package { id fullName } userErrors { field code } } }
"""
CREATE_UPLOAD = """
mutation($input: CreateUploadInput!) { createUpload(input: $input) { upload { uploadId url method } userErrors { field code } } }
"""
VERSION_FIELDS = """
id version status sha256 size format
verification { method identity issuer transparencyLogIndex keyFingerprint signingIdentity { id revokedAt } }
analysis { score level rulesVersion requiresManualReview violations { rule policy severity } }
approvalsRequired
"""
PUBLISH = (
    "mutation($input: PublishVersionInput!) { publishVersion(input: $input) { version { "
    + VERSION_FIELDS
    + " } userErrors { field message code } } }"
)
APPROVE = (
    "mutation($input: ReviewInput!) { approveVersion(input: $input) { version { id status } "
    "userErrors { field message code } } }"
)
SEARCH = """
query($q: String, $first: Int) {
  marketplacePackages(query: $q, first: $first) {
    totalCount nodes { id fullName installCount publisher { namespace } latestVersion { id version sha256 } }
  }
}
"""
INSTALL = """
mutation($input: InstallPackageInput!) { installPackage(input: $input) { install { id active version { version } } userErrors { field code } } }
"""
DOWNLOAD = """
mutation($input: CreateDownloadInput!) { createDownload(input: $input) { download { url sha256 size filename } userErrors { field code } } }
"""


@dataclass
class Publisher:
    account: Account
    namespace: str
    key: SigningKey
    identity_id: str


async def publisher(gql: GraphQL, *, key: SigningKey | None = None) -> Publisher:
    account = await sign_up(gql, prefix="publisher")
    namespace = unique("ns")
    data = await gql(
        BECOME_PUBLISHER,
        {"input": {"namespace": namespace, "displayName": "Pub"}},
        token=account.access_token,
    )
    assert data["becomePublisher"]["userErrors"] == []
    key = key or ed25519_key()
    registered = (
        await gql(
            REGISTER_KEY, {"input": {"name": "ci", "publicKey": key.public_pem}}, token=account.access_token
        )
    )["registerPublicKey"]
    assert registered["userErrors"] == []
    return Publisher(account, namespace, key, registered["signingIdentity"]["id"])


async def create_package(gql: GraphQL, pub: Publisher, name: str = "hello", **extra: Any) -> str:
    payload = (
        await gql(
            CREATE_PACKAGE,
            {"input": {"name": name, "title": f"The {name} workflow", "tags": ["demo"], **extra}},
            token=pub.account.access_token,
        )
    )["createPackage"]
    assert payload["userErrors"] == [], payload
    return str(payload["package"]["id"])


async def put_bytes(http: httpx.AsyncClient, url: str, data: bytes) -> httpx.Response:
    """PUT to an upload URL: this server's own route through the test client, or MinIO directly."""
    if "/uploads/" in url and "X-Amz-" not in url:
        path = url[url.index("/uploads/") :]
        return await http.put(path, content=data)
    async with httpx.AsyncClient() as direct:
        return await direct.put(url, content=data)


async def upload(gql: GraphQL, pub: Publisher, data: bytes, filename: str = "hello.tar.gz") -> str:
    payload = (await gql(CREATE_UPLOAD, {"input": {"filename": filename}}, token=pub.account.access_token))[
        "createUpload"
    ]
    assert payload["userErrors"] == [], payload
    response = await put_bytes(gql.http, payload["upload"]["url"], data)
    assert response.status_code == 200, response.text
    return str(payload["upload"]["uploadId"])


async def publish(
    gql: GraphQL, pub: Publisher, package_id: str, artifact: Path, *, signature: dict[str, str] | None = None
) -> dict[str, Any]:
    data = await asyncio.to_thread(artifact.read_bytes)
    upload_id = await upload(gql, pub, data, artifact.name)
    signature = signature or {"keySignature": pub.key.sign(data)}
    variables = {"input": {"packageId": package_id, "uploadId": upload_id, "signature": signature}}
    result: dict[str, Any] = (await gql(PUBLISH, variables, token=pub.account.access_token))["publishVersion"]
    return result


async def trusted_reviewer(gql: GraphQL, app: FastAPI) -> Account:
    """The owner of a new organization the platform operator trusts to review public packages."""
    reviewer = await sign_up(gql, prefix="reviewer")
    assert reviewer.organization_slug is not None
    async with unit_of_work(app.state.sessionmaker) as session:
        await set_marketplace_reviewer(
            session, Principal.system(), slug=reviewer.organization_slug, trusted=True
        )
    return reviewer


async def fetch(http: httpx.AsyncClient, url: str) -> bytes:
    if "/artifacts/" in url and "X-Amz-" not in url:
        response = await http.get(url[url.index("/artifacts/") :])
    else:
        async with httpx.AsyncClient() as direct:
            response = await direct.get(url)
    assert response.status_code == 200, response.text
    return response.content


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
