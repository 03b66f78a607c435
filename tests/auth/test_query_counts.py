"""List fields load their nested objects through per-request dataloaders: a fixed number of SQL
statements whatever the page size (no N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event

from tests.helpers import GraphQL, api_key, member_with_role, sign_up

MEMBERS = """
{ viewer { organization {
  members(first: 50) { totalCount nodes { id roles createdAt user { id email displayName } organization { slug } } }
  apiKeys(first: 50) { nodes { id roles scopes } }
  roles { name permissions }
} } }
"""


@contextmanager
def count_statements(app: FastAPI) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def _statements_for(gql: GraphQL, app: FastAPI, token: str) -> int:
    with count_statements(app) as statements:
        await gql(MEMBERS, token=token)
    # Three fields check permissions concurrently; the policy set is still read once.
    assert sum("FROM policy_versions" in s for s in statements) == 1, statements
    return len(statements)


async def test_members_keys_and_roles_take_a_fixed_number_of_queries(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    await member_with_role(gql, owner, "developer")
    await api_key(gql, owner, scopes=["packages:read"])
    small = await _statements_for(gql, app, owner.access_token)

    for role in ("viewer", "reviewer", "billing", "developer", "admin") * 2:
        await member_with_role(gql, owner, role)
    for _ in range(10):
        await api_key(gql, owner, scopes=["packages:read"])
    large = await _statements_for(gql, app, owner.access_token)

    # Ten more members and ten more keys: an N+1 would add ten statements or more. A dataloader's
    # batch window depends on when sibling page queries finish, so one extra batch may occur.
    assert large <= small + 1, f"{small} statements for 2 members and 1 key, {large} for 12 and 11"
