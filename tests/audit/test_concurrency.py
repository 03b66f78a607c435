"""Concurrent writers never fork or break a chain: many mutations at once over real HTTP, on
separate database connections, in three organizations (one of them writing its very first entries, so the chain's head row
is created under contention) and failed log-ins on the platform chain;
then every chain verifies, its sequence numbers are 1..N without a gap, and each request has its
one entry. PostgreSQL only: SQLite serializes writers by itself, so it proves nothing there."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from domain.audit.verify import verify_chain
from domain.db import unit_of_work
from tests.audit.support import (
    CREATE_ROLE,
    chain_rows,
    org_chain,
    request_id,
    rows_of_request,
    uuid_of,
    verify,
)
from tests.conftest import LiveServer
from tests.helpers import LOG_IN, Account, GraphQL, sign_up, unique

CREATE_BUDGET = """
mutation($input: CreateBudgetInput!) {
  createBudget(input: $input) { budget { id } userErrors { field code } }
}
"""
ROLES_A, BUDGETS_A, ROLES_B, ROLES_C, FAILED_LOG_INS = 45, 20, 20, 12, 4  # 65 in one organization
CREATE_ORGANIZATION = """
mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { id } userErrors { field code } }
}
"""


async def organization_without_entries(gql: GraphQL, app: FastAPI, owner: Account) -> tuple[str, str]:
    """A new organization whose chain does not exist yet, and a token acting for it (issued
    directly: a log-in would write the chain's first entry). (chain, token)"""
    created = (
        await gql(
            CREATE_ORGANIZATION,
            {"input": {"name": "Third", "slug": unique("third")}},
            token=owner.access_token,
        )
    )["createOrganization"]
    assert created["userErrors"] == []
    organization = uuid_of(created["organization"]["id"])
    async with unit_of_work(app.state.sessionmaker) as session:
        token, _ = await app.state.runtime.tokens.issue_access_token(
            session, user_id=uuid_of(owner.user_id), organization_id=organization
        )
    assert await chain_rows(app, f"org:{organization}") == []
    return f"org:{organization}", token


@pytest.fixture(autouse=True)
def _postgres_only(is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("concurrent chain appends need PostgreSQL's row locks; SQLite serializes writers")


async def _post(
    http: httpx.AsyncClient, document: str, variables: dict[str, Any], rid: str, token: str | None
) -> str:
    headers = {"X-Request-ID": rid, **({"Authorization": f"Bearer {token}"} if token else {})}
    response = await http.post("/graphql", json={"query": document, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    return rid


async def test_concurrent_mutations_never_fork_a_chain(
    gql: GraphQL, app: FastAPI, live_server: LiveServer
) -> None:
    a: Account = await sign_up(gql, prefix="concurrent-a")
    b: Account = await sign_up(gql, prefix="concurrent-b")
    chain_c, token_c = await organization_without_entries(gql, app, b)  # its first writers race
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=live_server.url, limits=limits, timeout=120) as http:
        calls = (
            [(CREATE_ROLE, {"input": {"name": unique("role")}}, a.access_token) for _ in range(ROLES_A)]
            + [
                (CREATE_BUDGET, {"input": {"name": unique("budget"), "threshold": "100"}}, a.access_token)
                for _ in range(BUDGETS_A)
            ]
            + [(CREATE_ROLE, {"input": {"name": unique("role")}}, b.access_token) for _ in range(ROLES_B)]
            + [(CREATE_ROLE, {"input": {"name": unique("role")}}, token_c) for _ in range(ROLES_C)]
        )
        # Interleaved, so both organizations' writers (and the platform's) contend at once.
        calls = calls[::2] + calls[1::2]
        requests = [
            _post(http, document, variables, request_id("concurrent"), token)
            for document, variables, token in calls
        ]
        log_ins = [
            _post(
                http,
                LOG_IN,
                {"input": {"email": f"nobody-{i}@example.com", "password": "wrong"}},
                request_id("li"),
                None,
            )
            for i in range(FAILED_LOG_INS)
        ]
        rids = await asyncio.gather(*requests, *log_ins)

    for rid in rids:
        assert len(await rows_of_request(app, rid)) == 1, rid
    # + 1: the sign-up (b's also wrote createOrganization); c's chain began with this burst.
    chains = (
        (org_chain(a), a.access_token, ROLES_A + BUDGETS_A + 1),
        (org_chain(b), b.access_token, ROLES_B + 2),
    )
    for chain, token, size in (*chains, (chain_c, token_c, ROLES_C)):
        rows = await chain_rows(app, chain)
        assert [row.sequence for row in rows] == list(range(1, size + 1)), chain
        assert rows[0].prev_hash == "0" * 64
        assert all(row.prev_hash == before.entry_hash for before, row in itertools.pairwise(rows))
        report = await verify(gql, token)
        assert report["ok"] and report["chainSize"] == size and report["entriesChecked"] == size, report
    async with app.state.sessionmaker() as session:
        platform = await verify_chain(session, "platform")
    assert platform.ok, platform.first_problem
    assert platform.entries_checked == platform.chain_size
