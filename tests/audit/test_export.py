"""`GET /audit/export`: NDJSON an auditor can check from the lines alone, the same filters and
authorization as `auditLog`, and plain HTTP errors for bad requests."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest
import rfc8785
from fastapi import FastAPI

from tests.audit.support import (
    create_roles,
    log_entries,
    org_chain,
    request_id,
    rows_of_request,
    user_actor,
    uuid_of,
)
from tests.billing.flow import operator
from tests.conftest import LiveServer
from tests.helpers import CREATE_API_KEY, LOG_IN, Account, GraphQL, member_with_role, sign_up, unique


async def export(client: httpx.AsyncClient, token: str | None, **params: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.get("/audit/export", params=params, headers=headers)


def lines_of(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert response.text.endswith("\n")
    return [json.loads(line) for line in response.text.splitlines()]


def recomputed(line: dict[str, Any]) -> str:
    """The entry hash from the line alone: SHA-256 of the RFC 8785 JSON of everything but entryHash."""
    fields = {k: v for k, v in line.items() if k != "entryHash"}
    return hashlib.sha256(rfc8785.dumps(fields)).hexdigest()


def _uuid(global_id: str) -> str:
    return str(uuid_of(global_id))


@pytest.fixture
async def organization(gql: GraphQL) -> tuple[Account, Account]:
    """An owner and a developer with a few entries each."""
    owner = await sign_up(gql, prefix="export")
    developer = await member_with_role(gql, owner, "developer")
    await create_roles(gql, owner, 3)
    await gql(
        CREATE_API_KEY,
        {"input": {"name": unique("k"), "scopes": ["packages:read"]}},
        token=developer.access_token,
    )
    return owner, developer


async def test_the_export_is_the_chain_and_checks_from_its_lines_alone(
    gql: GraphQL, client: httpx.AsyncClient, organization: tuple[Account, Account]
) -> None:
    owner, _ = organization
    before = await log_entries(gql, owner.access_token)
    lines = lines_of(await export(client, owner.access_token))
    # Everything logged so far, then the export's own entry (committed before the stream starts).
    assert [line["id"] for line in lines[:-1]] == [_uuid(e["id"]) for e in before]
    assert lines[-1]["action"] == "audit.export" and lines[-1]["decision"] == "ALLOW"
    prev = "0" * 64
    for sequence, line in enumerate(lines, start=1):
        assert line["v"] == 1 and line["chain"] == org_chain(owner) and line["sequence"] == sequence
        assert line["prevHash"] == prev
        assert recomputed(line) == line["entryHash"]
        prev = line["entryHash"]
    assert [line["entryHash"] for line in lines[:-1]] == [e["entryHash"] for e in before]
    assert set(lines[0]) == {
        "v", "id", "chain", "sequence", "time", "actor", "action", "target", "decision", "outcome", "risk",
        "reason", "requestId", "clientAddress", "inputDigest", "prevHash", "entryHash",
    }  # fmt: skip


async def test_the_export_takes_the_same_filters_as_the_log(
    gql: GraphQL, client: httpx.AsyncClient, organization: tuple[Account, Account]
) -> None:
    owner, developer = organization
    everything = await log_entries(gql, owner.access_token)
    roles = [e for e in everything if e["action"] == "createRole"]
    filters: list[dict[str, str]] = [
        {"actor": user_actor(developer)},
        {"action": "createRole"},
        {"target": str(roles[1]["target"])},
        {"minimumRisk": "HIGH"},
        {"minimumRisk": "MEDIUM", "actor": user_actor(owner)},
        {"from": roles[0]["time"], "to": roles[-1]["time"]},
        {"from": roles[1]["time"]},
    ]
    for where in filters:
        expected = await log_entries(gql, owner.access_token, **where)
        lines = lines_of(await export(client, owner.access_token, **where))
        if "from" in where and "to" not in where:  # open-ended: the export sees its own entry too
            lines = lines[:-1]
        assert [line["id"] for line in lines] == [_uuid(e["id"]) for e in expected], where
        assert expected, where
        assert all(recomputed(line) == line["entryHash"] for line in lines)


async def test_the_export_needs_credentials(client: httpx.AsyncClient) -> None:
    response = await export(client, None)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    response = await export(client, "not-a-token")
    assert response.status_code == 401


async def test_the_export_needs_audit_read_and_the_refusal_is_audited(
    gql: GraphQL, app: FastAPI, client: httpx.AsyncClient, organization: tuple[Account, Account]
) -> None:
    owner, developer = organization
    rid = request_id("export")
    response = await client.get(
        "/audit/export", headers={"Authorization": f"Bearer {developer.access_token}", "X-Request-ID": rid}
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    [row] = await rows_of_request(app, rid)
    assert (row.action, row.decision, row.outcome, row.reason) == (
        "audit.export",
        "DENY",
        "DENIED",
        "FORBIDDEN",
    )
    assert (row.actor, row.chain) == (user_actor(developer), org_chain(owner))
    # The platform chain: refused to an ordinary owner, given to the platform operator.
    response = await export(client, owner.access_token, platform="true")
    assert response.status_code == 403
    op = await operator(gql, app)
    await gql(LOG_IN, {"input": {"email": "nobody@example.com", "password": "wrong"}})  # a platform entry
    lines = lines_of(await export(client, op.access_token, platform="true", action="logIn"))
    assert lines and {line["chain"] for line in lines} == {"platform"}
    assert all(recomputed(line) == line["entryHash"] for line in lines)


BAD_PARAMETERS: list[tuple[dict[str, str], str]] = [
    ({"organization": "x"}, "organization"),  # not a filter
    ({"minimumRisk": "EXTREME"}, "minimumRisk"),
    ({"minimumRisk": "high"}, "minimumRisk"),
    ({"from": "yesterday"}, "from"),
    ({"to": "2026-13-01T00:00:00Z"}, "to"),
    ({"from": "2026-01-01T00:00:00"}, "from"),  # no UTC offset
    ({"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "from"),
    ({"platform": "maybe"}, "platform"),
    ({"actor": "a" * 201}, "actor"),
]


async def test_bad_parameters_are_refused(gql: GraphQL, client: httpx.AsyncClient) -> None:
    owner = await sign_up(gql, prefix="export-bad")
    for params, field in BAD_PARAMETERS:
        response = await export(client, owner.access_token, **params)
        assert response.status_code == 400, (params, response.text)
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["field"] == field, (
            params,
            error,
        )
    # Checked before the credentials: a bad request is a 400 whoever sends it.
    assert (await export(client, None, minimumRisk="EXTREME")).status_code == 400


async def test_the_export_is_streamed_over_http(
    gql: GraphQL, live_server: LiveServer, organization: tuple[Account, Account]
) -> None:
    owner, _ = organization
    async with (
        httpx.AsyncClient(base_url=live_server.url) as http,
        http.stream(
            "GET", "/audit/export", headers={"Authorization": f"Bearer {owner.access_token}"}
        ) as response,
    ):
        assert response.status_code == 200
        assert (
            response.headers.get("transfer-encoding") == "chunked"
            and "content-length" not in response.headers
        )
        assert response.headers["cache-control"] == "no-store"
        lines = [json.loads(line) async for line in response.aiter_lines() if line]
    assert [line["sequence"] for line in lines] == list(range(1, len(lines) + 1))
    assert all(recomputed(line) == line["entryHash"] for line in lines)
