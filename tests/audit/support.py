"""Shared helpers of the audit tests: GraphQL documents, reading entries back from the database,
tampering with rows, and the `atom audit` command line."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select, text

from domain.audit.models import AuditEntry
from domain.db import unit_of_work
from resolvers.ids import from_global_id
from server.settings import Settings
from tests.helpers import Account, GraphQL, unique

REPO = Path(__file__).resolve().parents[2]
ATOM = REPO / ".venv" / "bin" / "atom"

ENTRY_FIELDS = (
    "id chain sequence time actor action target decision outcome risk reason requestId clientAddress "
    "inputDigest prevHash entryHash"
)

AUDIT_LOG = (
    "query($filter: AuditLogFilter, $first: Int, $after: String, $last: Int) {"
    " auditLog(filter: $filter, first: $first, after: $after, last: $last) {"
    " totalCount pageInfo { hasNextPage endCursor } nodes { " + ENTRY_FIELDS + " } } }"
)

VERIFY = """
query($organization: ID, $platform: Boolean! = false, $from: DateTime, $to: DateTime) {
  verifyAuditChain(organization: $organization, platform: $platform, from: $from, to: $to) {
    ok chain chainSize entriesChecked checkpointsChecked fromSequence toSequence
    firstProblem { kind sequence entryId detail }
  }
}
"""

CHECKPOINT_FIELDS = "id chain size rootHash time keyId signature statement"

CREATE_CHECKPOINT = (
    "mutation($input: CreateAuditCheckpointInput) { createAuditCheckpoint(input: $input) {"
    " checkpoint { " + CHECKPOINT_FIELDS + " } userErrors { field message code } } }"
)

CREATE_ROLE = """
mutation($input: CreateRoleInput!) {
  createRole(input: $input) { role { id name } userErrors { field message code } }
}
"""


def request_id(prefix: str = "audit") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def uuid_of(global_id: str) -> uuid.UUID:
    decoded = from_global_id(global_id)
    assert decoded is not None, global_id
    return decoded[1]


def org_chain(account: Account) -> str:
    assert account.organization_id is not None
    return f"org:{uuid_of(account.organization_id)}"


def user_actor(account: Account) -> str:
    return f"user:{uuid_of(account.user_id)}"


async def audit_log(
    gql: GraphQL,
    token: str,
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    **filter: Any,
) -> dict[str, Any]:
    """The `auditLog` connection (totalCount, pageInfo, nodes) for `filter`."""
    variables = {"filter": filter or None, "first": first, "after": after, "last": last}
    if first is None and last is None:
        variables["last"] = 100
    data = await gql(AUDIT_LOG, variables, token=token)
    return data["auditLog"]  # type: ignore[no-any-return]


async def log_entries(gql: GraphQL, token: str, **filter: Any) -> list[dict[str, Any]]:
    """The newest hundred entries matching `filter`, oldest first."""
    return (await audit_log(gql, token, **filter))["nodes"]  # type: ignore[no-any-return]


async def rows_of_request(app: FastAPI, request: str) -> list[AuditEntry]:
    """Every entry written for the request with `X-Request-ID: request`, read from the database."""
    async with app.state.sessionmaker() as session:
        found = await session.execute(
            select(AuditEntry).where(AuditEntry.request_id == request).order_by(AuditEntry.sequence)
        )
        return list(found.scalars())


async def chain_rows(app: FastAPI, chain: str) -> list[AuditEntry]:
    async with app.state.sessionmaker() as session:
        found = await session.execute(
            select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.sequence)
        )
        return list(found.scalars())


async def execute(app: FastAPI, sql: str, **params: Any) -> int:
    """Run one SQL statement in its own transaction, as an intruder with database access would."""
    async with unit_of_work(app.state.sessionmaker) as session:
        result = await session.execute(text(sql), params)
        return int(getattr(result, "rowcount", 0) or 0)


async def create_roles(gql: GraphQL, owner: Account, count: int) -> list[str]:
    """`count` cheap, successful mutations (custom roles): one audit entry each. Their role ids."""
    ids = []
    for _ in range(count):
        payload = (await gql(CREATE_ROLE, {"input": {"name": unique("role")}}, token=owner.access_token))[
            "createRole"
        ]
        assert payload["userErrors"] == [], payload
        ids.append(payload["role"]["id"])
    return ids


async def verify(gql: GraphQL, token: str, **variables: Any) -> dict[str, Any]:
    data = await gql(VERIFY, variables, token=token)
    return data["verifyAuditChain"]  # type: ignore[no-any-return]


async def checkpoint(gql: GraphQL, token: str, *, platform: bool = False) -> dict[str, Any]:
    """A new checkpoint of the caller's chain (or the platform's); fails the test on userErrors."""
    payload = (await gql(CREATE_CHECKPOINT, {"input": {"platform": platform}}, token=token))[
        "createAuditCheckpoint"
    ]
    assert payload["userErrors"] == [], payload
    return payload["checkpoint"]  # type: ignore[no-any-return]


def atom(settings: Settings, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the `atom` command line on the test database, with its own (empty) home directory."""
    env = {
        **os.environ,
        "ATOM_DATABASE_URL": settings.database_url,
        "ATOM_HOME": str(home),
        "ATOM_SEED_DEMO_ON_FIRST_START": "false",
    }
    command = [str(ATOM)] if ATOM.exists() else [sys.executable, "-m", "server.cli"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=120, check=False
    )
