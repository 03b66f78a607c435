"""`AuditEntry.targetNode`: the object an entry acted on, found as `node(id:)` finds it for the reader
(tenant and permission checks included), null once it is gone, in a fixed number of SQL statements
whatever the page size. The live stream's: tests/subscriptions/test_audit_events.py."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.audit.support import CREATE_ROLE, create_roles
from tests.auth.test_query_counts import count_statements
from tests.helpers import GraphQL, member_with_role, sign_up, unique
from tests.marketplace import flow as marketplace

TARGETS = """
query($action: String, $last: Int) {
  auditLog(filter: {action: $action}, last: $last) {
    nodes {
      action target
      targetNode {
        __typename id
        ... on Role { name }
        ... on Package { fullName }
        ... on Membership { user { email } }
        ... on Organization { slug }
      }
    }
  }
}
"""
REMOVE = """
mutation($id: ID!) { removeMember(input: {membershipId: $id}) { removedMembershipId userErrors { code } } }
"""
MEMBERS = "{ viewer { organization { members(first: 50) { nodes { id user { email } } } } } }"


async def entries(gql: GraphQL, token: str, action: str, last: int = 100) -> list[dict[str, Any]]:
    data = await gql(TARGETS, {"action": action, "last": last}, token=token)
    return data["auditLog"]["nodes"]  # type: ignore[no-any-return]


async def test_the_target_is_the_object_acted_on(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    name = unique("role")
    made = (await gql(CREATE_ROLE, {"input": {"name": name}}, token=owner.access_token))["createRole"]
    publisher = await marketplace.publisher(gql)
    package_id = await marketplace.create_package(gql, publisher, "targets")

    [role] = await entries(gql, owner.access_token, "createRole")
    assert role["target"] == made["role"]["id"]
    assert role["targetNode"] == {"__typename": "Role", "id": made["role"]["id"], "name": name}
    [package] = await entries(gql, publisher.account.access_token, "createPackage")
    assert package["targetNode"] == {
        "__typename": "Package",
        "id": package_id,
        "fullName": f"{publisher.namespace}/targets",
    }
    # An entry with no target has no target node.
    [signed_up] = await entries(gql, owner.access_token, "signUp")
    assert signed_up["target"] is None and signed_up["targetNode"] is None


async def test_an_object_gone_since_is_null_its_id_kept(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    member = await member_with_role(gql, owner, "developer")
    nodes = (await gql(MEMBERS, token=owner.access_token))["viewer"]["organization"]["members"]["nodes"]
    [membership] = [n["id"] for n in nodes if n["user"]["email"] == member.email]
    removed = (await gql(REMOVE, {"id": membership}, token=owner.access_token))["removeMember"]
    assert removed["userErrors"] == []
    [entry] = await entries(gql, owner.access_token, "removeMember")
    assert entry["target"] == membership and entry["targetNode"] is None


async def test_a_reader_who_may_not_see_the_object_gets_null(gql: GraphQL) -> None:
    """The target's own permission holds: audit:read alone does not show a role (roles:read)."""
    owner = await sign_up(gql)
    made = (
        await gql(
            CREATE_ROLE,
            {"input": {"name": "auditor", "permissions": ["organization:read", "audit:read"]}},
            token=owner.access_token,
        )
    )["createRole"]
    assert made["userErrors"] == [], made
    auditor = await member_with_role(gql, owner, "auditor")
    [seen] = await entries(gql, owner.access_token, "createRole")
    [hidden] = await entries(gql, auditor.access_token, "createRole")
    assert seen["targetNode"]["name"] == "auditor"
    assert hidden["target"] == seen["target"] and hidden["targetNode"] is None


async def test_a_page_of_targets_takes_a_fixed_number_of_statements(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    await create_roles(gql, owner, 2)

    async def statements() -> int:
        with count_statements(app) as run:
            page = await entries(gql, owner.access_token, "createRole", last=50)
        assert all(e["targetNode"]["__typename"] == "Role" for e in page), page
        return len(run)

    small = await statements()
    await create_roles(gql, owner, 20)
    large = await statements()
    # Twenty more targets: one statement each would be twenty more (see test_query_counts.py).
    assert large <= small + 1, f"{small} statements for 2 targets, {large} for 22"
