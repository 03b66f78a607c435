"""Direct upload with the GraphQL multipart request spec: only `publishVersionUpload`, only with a
preflight-forcing header (CSRF), and through the same verify-analyse pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from tests.helpers import GraphQL
from tests.marketplace import flow
from tests.marketplace.wpk_builder import build_wpk

PUBLISH_UPLOAD = """
mutation($input: PublishVersionUploadInput!) {
  publishVersionUpload(input: $input) { version { id status sha256 verification { method } } userErrors { field code } }
}
"""


async def _multipart(
    http: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any], data: bytes, **headers: str
) -> httpx.Response:
    operations = json.dumps({"query": query, "variables": variables})
    mapping = json.dumps({"0": ["variables.input.file"]})
    return await http.post(
        "/graphql",
        data={"operations": operations, "map": mapping},
        files={"0": ("hello-1.0.0.tar.gz", data, "application/gzip")},
        headers={"Authorization": f"Bearer {token}", **headers},
    )


async def test_direct_upload_publishes_through_the_same_pipeline(gql: GraphQL, tmp_path: Path) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    data = build_wpk(tmp_path / "hello.tar.gz").read_bytes()
    variables = {
        "input": {"packageId": package_id, "file": None, "signature": {"keySignature": pub.key.sign(data)}}
    }
    response = await _multipart(
        gql.http,
        pub.account.access_token,
        PUBLISH_UPLOAD,
        variables,
        data,
        **{"Apollo-Require-Preflight": "true"},
    )
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["publishVersionUpload"]
    assert payload["userErrors"] == []
    assert payload["version"]["status"] == "SUBMITTED"
    assert payload["version"]["sha256"] == flow.sha256(data)
    assert payload["version"]["verification"] == {"method": "KEY"}


async def test_a_bad_signature_refuses_and_keeps_nothing(gql: GraphQL, app: FastAPI, tmp_path: Path) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    data = build_wpk(tmp_path / "hello.tar.gz").read_bytes()
    before = set(await app.state.runtime.marketplace.storage.list_keys("uploads/"))
    variables = {
        "input": {"packageId": package_id, "file": None, "signature": {"keySignature": pub.key.sign(b"x")}}
    }
    response = await _multipart(
        gql.http, pub.account.access_token, PUBLISH_UPLOAD, variables, data, **{"X-Atom-CSRF": "1"}
    )
    payload = response.json()["data"]["publishVersionUpload"]
    assert payload == {"version": None, "userErrors": [{"field": "signature", "code": "SIGNATURE_INVALID"}]}
    assert set(await app.state.runtime.marketplace.storage.list_keys("uploads/")) == before


async def test_multipart_without_a_preflight_header_is_refused(gql: GraphQL, tmp_path: Path) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    data = build_wpk(tmp_path / "hello.tar.gz").read_bytes()
    variables = {
        "input": {"packageId": package_id, "file": None, "signature": {"keySignature": pub.key.sign(data)}}
    }
    response = await _multipart(gql.http, pub.account.access_token, PUBLISH_UPLOAD, variables, data)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_PREFLIGHT_REQUIRED"


async def test_other_operations_cannot_use_multipart(gql: GraphQL, tmp_path: Path) -> None:
    pub = await flow.publisher(gql)
    query = (
        'mutation { createOrganization(input: {name: "X", slug: "via-multipart"}) { userErrors { code } } }'
    )
    operations = json.dumps({"query": query, "variables": {}})
    response = await gql.http.post(
        "/graphql",
        files={"operations": (None, operations), "map": (None, "{}")},
        headers={"Authorization": f"Bearer {pub.account.access_token}", "Apollo-Require-Preflight": "true"},
    )
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["MULTIPART_NOT_ALLOWED"]
    assert (await gql('{ organization(slug: "via-multipart") { id } }', token=pub.account.access_token)) == {
        "organization": None
    }


async def test_a_plain_value_in_place_of_the_file_is_a_user_error(gql: GraphQL) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    variables = {"input": {"packageId": package_id, "file": "not a file", "signature": {"keySignature": "x"}}}
    payload = (await gql(PUBLISH_UPLOAD, variables, token=pub.account.access_token))["publishVersionUpload"]
    assert payload == {"version": None, "userErrors": [{"field": "file", "code": "INVALID"}]}
