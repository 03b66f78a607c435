"""Roles, permissions, assignments, the policy tester and versioned policy sets with diffs."""

from __future__ import annotations

from tests.helpers import GraphQL, api_key, member_with_role, sign_up

CREATE_ROLE = """
mutation($input: CreateRoleInput!) {
  createRole(input: $input) { role { id name builtin permissions } userErrors { field code } }
}
"""
GRANT = """
mutation($input: RolePermissionInput!) { grantPermission(input: $input) { role { permissions } userErrors { field code } } }
"""
REVOKE = """
mutation($input: RolePermissionInput!) { revokePermission(input: $input) { role { permissions } userErrors { field code } } }
"""
ASSIGN = """
mutation($input: RoleAssignmentInput!) { assignRole(input: $input) { subjectId roles userErrors { field code } } }
"""
UNASSIGN = """
mutation($input: RoleAssignmentInput!) { unassignRole(input: $input) { subjectId roles userErrors { field code } } }
"""
AUTHORIZE = """
query($s: ID!, $r: String!, $a: String!) {
  authorize(subjectId: $s, resource: $r, action: $a) {
    allowed permission reason policyVersion rule { ptype subject domain resource action }
  }
}
"""
VERSIONS = """
{ viewer { organization {
  policyVersion { number contentHash }
  policyVersions(last: 50) { totalCount nodes { number contentHash summary createdBy } }
} } }
"""
DIFF = """
query($from: Int!, $to: Int!) {
  policyDiff(from: $from, to: $to) {
    fromVersion { number } toVersion { number }
    added { ptype subject role resource action } removed { ptype subject role resource action }
  }
}
"""
MEMBERSHIP_IDS = "{ viewer { organization { members(first: 50) { nodes { id user { email } } } } } }"


async def _membership_id(gql: GraphQL, token: str, email: str) -> str:
    nodes = (await gql(MEMBERSHIP_IDS, token=token))["viewer"]["organization"]["members"]["nodes"]
    return next(n["id"] for n in nodes if n["user"]["email"] == email)


async def test_builtin_roles_and_catalogue(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    data = await gql(
        "{ permissions { name description } viewer { organization { roles { name builtin permissions } } } }",
        token=owner.access_token,
    )
    roles = {r["name"]: r for r in data["viewer"]["organization"]["roles"]}
    assert set(roles) == {"owner", "admin", "developer", "reviewer", "billing", "viewer"}
    assert all(r["builtin"] for r in roles.values())
    catalogue = {p["name"] for p in data["permissions"]}
    assert set(roles["owner"]["permissions"]) == catalogue
    assert "billing:write" not in roles["admin"]["permissions"]
    assert all(p.endswith(":read") for p in roles["viewer"]["permissions"])


async def test_custom_role_lifecycle_and_tester(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    member = await member_with_role(gql, owner, "viewer")
    membership = await _membership_id(gql, owner.access_token, member.email)
    token = owner.access_token

    created = (
        await gql(
            CREATE_ROLE, {"input": {"name": "publisher", "permissions": ["packages:read"]}}, token=token
        )
    )["createRole"]
    assert created["userErrors"] == [] and created["role"]["builtin"] is False

    denied = (await gql(AUTHORIZE, {"s": membership, "r": "packages", "a": "publish"}, token=token))[
        "authorize"
    ]
    assert denied["allowed"] is False and denied["rule"] is None

    granted = (
        await gql(GRANT, {"input": {"role": "publisher", "permission": "packages:publish"}}, token=token)
    )["grantPermission"]
    assert granted["role"]["permissions"] == ["packages:publish", "packages:read"]
    assigned = (await gql(ASSIGN, {"input": {"subjectId": membership, "role": "publisher"}}, token=token))[
        "assignRole"
    ]
    assert assigned["roles"] == ["publisher", "viewer"]

    allowed = (await gql(AUTHORIZE, {"s": membership, "r": "packages", "a": "publish"}, token=token))[
        "authorize"
    ]
    assert allowed["allowed"] is True
    assert allowed["rule"]["subject"] == "role:publisher"
    assert (allowed["rule"]["resource"], allowed["rule"]["action"]) == ("packages", "publish")

    revoked = (
        await gql(REVOKE, {"input": {"role": "publisher", "permission": "packages:publish"}}, token=token)
    )["revokePermission"]
    assert revoked["role"]["permissions"] == ["packages:read"]
    after = (await gql(AUTHORIZE, {"s": membership, "r": "packages", "a": "publish"}, token=token))[
        "authorize"
    ]
    assert after["allowed"] is False

    unassigned = (
        await gql(UNASSIGN, {"input": {"subjectId": membership, "role": "publisher"}}, token=token)
    )["unassignRole"]
    assert unassigned["roles"] == ["viewer"]


async def test_role_errors(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    token = owner.access_token
    cases = [
        (CREATE_ROLE, {"name": "Bad Name", "permissions": []}, "createRole", ("name", "INVALID_ROLE_NAME")),
        (CREATE_ROLE, {"name": "developer", "permissions": []}, "createRole", ("name", "ROLE_EXISTS")),
        (
            CREATE_ROLE,
            {"name": "x1", "permissions": ["moon:land"]},
            "createRole",
            ("permissions", "UNKNOWN_PERMISSION"),
        ),
        (
            GRANT,
            {"role": "developer", "permission": "audit:read"},
            "grantPermission",
            ("role", "ROLE_IMMUTABLE"),
        ),
        (GRANT, {"role": "ghost", "permission": "audit:read"}, "grantPermission", ("role", "ROLE_NOT_FOUND")),
    ]
    for document, variables, field, expected in cases:
        payload = (await gql(document, {"input": variables}, token=token))[field]
        assert payload["role"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [expected], variables


async def test_tester_honours_api_key_scopes(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    key_id, _secret = await api_key(gql, owner, scopes=["packages:read"])
    token = owner.access_token
    read = (await gql(AUTHORIZE, {"s": key_id, "r": "packages", "a": "read"}, token=token))["authorize"]
    publish = (await gql(AUTHORIZE, {"s": key_id, "r": "packages", "a": "publish"}, token=token))["authorize"]
    assert read["allowed"] is True
    assert publish["allowed"] is False and "scopes" in publish["reason"]


async def test_tester_needs_roles_read(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    billing = await member_with_role(gql, owner, "billing")
    membership = await _membership_id(gql, owner.access_token, billing.email)
    errors = await gql.errors(
        AUTHORIZE, {"s": membership, "r": "packages", "a": "read"}, token=billing.access_token
    )
    assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"]


async def test_every_change_is_a_new_version_with_a_diff(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    token = owner.access_token
    before = (await gql(VERSIONS, token=token))["viewer"]["organization"]
    start = before["policyVersion"]["number"]
    await gql(CREATE_ROLE, {"input": {"name": "auditor", "permissions": ["audit:read"]}}, token=token)
    # The same change twice makes no new version: versions are identified by content.
    await gql(GRANT, {"input": {"role": "auditor", "permission": "audit:read"}}, token=token)
    after = (await gql(VERSIONS, token=token))["viewer"]["organization"]
    assert after["policyVersion"]["number"] == start + 1
    assert after["policyVersion"]["contentHash"] != before["policyVersion"]["contentHash"]
    assert after["policyVersions"]["nodes"][-1]["summary"] == "created role auditor"

    diff = (await gql(DIFF, {"from": start, "to": start + 1}, token=token))["policyDiff"]
    assert diff["fromVersion"] == {"number": start} and diff["toVersion"] == {"number": start + 1}
    assert diff["removed"] == []
    assert diff["added"] == [
        {"ptype": "p", "subject": "role:auditor", "role": None, "resource": "audit", "action": "read"}
    ]
    errors = await gql.errors(DIFF, {"from": start, "to": 9999}, token=token)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["extensions"]["reason"] == "POLICY_VERSION_NOT_FOUND"


async def test_owner_role_cannot_be_taken_from_the_last_owner(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    membership = await _membership_id(gql, owner.access_token, owner.email)
    payload = (
        await gql(UNASSIGN, {"input": {"subjectId": membership, "role": "owner"}}, token=owner.access_token)
    )["unassignRole"]
    assert payload["userErrors"] == [{"field": "role", "code": "LAST_OWNER"}]
