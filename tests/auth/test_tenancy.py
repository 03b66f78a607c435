"""Cross-tenant attacks between two organizations, and permission checks inside one.

Every attack by organization A on organization B must get the answer a non-existent ID gets
(no existence leak), and must leave both organizations exactly as they were.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from domain.auth.models import RefreshToken
from resolvers.ids import from_global_id, to_global_id
from tests.helpers import (
    ACCEPT,
    CREATE_API_KEY,
    INVITE,
    LOG_IN,
    PASSWORD,
    Account,
    GraphQL,
    api_key,
    log_in,
    member_with_role,
    sign_up,
    unique_email,
)

# Everything an owner can see of its organization: compared before and after each attack.
INVENTORY = """
{
  viewer {
    user { id }
    memberships { id }
    organization {
      id slug name
      members(first: 100) { totalCount nodes { id roles user { id email } } }
      invitations(first: 100) { totalCount nodes { id email role status } }
      apiKeys(first: 100) { totalCount nodes { id name scopes roles revokedAt } }
      roles { id name permissions }
      policyVersions(first: 100) { totalCount nodes { id number contentHash } }
    }
  }
}
"""

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
NODE_WITH_EMAIL = "query($id: ID!) { node(id: $id) { id ... on User { email displayName } } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
ENTITIES = """
query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { id slug } ... on User { id } } }
"""
ORGANIZATION = "query($slug: String!) { organization(slug: $slug) { id slug } }"
ORGANIZATION_API_KEYS = "query($slug: String!) { organization(slug: $slug) { slug apiKeys { totalCount } } }"
ORGANIZATION_MEMBERS = "query($slug: String!) { organization(slug: $slug) { slug members { totalCount } } }"

REMOVE_MEMBER = """
mutation($id: ID!) {
  removeMember(input: {membershipId: $id}) { removedMembershipId userErrors { field message code } }
}
"""
REVOKE_API_KEY = """
mutation($id: ID!) {
  revokeApiKey(input: {apiKeyId: $id}) { apiKey { id revokedAt } userErrors { field message code } }
}
"""
ASSIGN_ROLE = """
mutation($id: ID!, $role: String!) {
  assignRole(input: {subjectId: $id, role: $role}) { subjectId roles userErrors { field message code } }
}
"""
UNASSIGN_ROLE = """
mutation($id: ID!, $role: String!) {
  unassignRole(input: {subjectId: $id, role: $role}) { subjectId roles userErrors { field message code } }
}
"""
CREATE_ROLE = """
mutation($name: String!, $permissions: [String!]!) {
  createRole(input: {name: $name, permissions: $permissions}) { role { id name } userErrors { code } }
}
"""
AUTHORIZE = """
query($id: ID!) { authorize(subjectId: $id, resource: "api_keys", action: "read") { allowed reason } }
"""
POLICY_DIFF = """
query($from: Int!, $to: Int!) { policyDiff(from: $from, to: $to) { added { subject role } removed { subject } } }
"""
REFRESH = """
mutation($token: String!, $slug: String) {
  refreshToken(input: {refreshToken: $token, organizationSlug: $slug}) {
    session { accessToken organization { slug } } userErrors { field message code }
  }
}
"""
VIEWER = "{ viewer { user { email } organization { slug } organizations { slug } } }"

KEY_SCOPES = ["organization:read", "members:read", "api_keys:read", "api_keys:write", "roles:read"]


# ---------------------------------------------------------------- builders


@dataclass
class Tenant:
    """An organization with an owner, a developer, an API key, a pending invitation and a custom role."""

    owner: Account
    member: Account
    organization_id: str
    owner_membership_id: str
    member_membership_id: str
    api_key_id: str
    api_key_secret: str
    invitation_id: str
    role_id: str
    policy_version_id: str

    @property
    def slug(self) -> str:
        assert self.owner.organization_slug is not None
        return self.owner.organization_slug

    def ids(self) -> dict[str, str]:
        return {
            "Organization": self.organization_id,
            "Membership": self.member_membership_id,
            "ApiKey": self.api_key_id,
            "Role": self.role_id,
            "PolicyVersion": self.policy_version_id,
            "Invitation": self.invitation_id,
            "User": self.member.user_id,
        }


async def make_tenant(gql: GraphQL, prefix: str) -> Tenant:
    owner = await sign_up(gql, prefix=f"{prefix}-owner")
    member = await member_with_role(gql, owner, "developer", prefix=f"{prefix}-dev")
    key_id, secret = await api_key(gql, owner, scopes=KEY_SCOPES)
    invited = await gql(
        INVITE, {"input": {"email": unique_email(prefix), "role": "viewer"}}, token=owner.access_token
    )
    assert invited["inviteMember"]["userErrors"] == []
    created = await gql(
        CREATE_ROLE,
        {"name": f"auditor-{prefix}", "permissions": ["organization:read"]},
        token=owner.access_token,
    )
    assert created["createRole"]["userErrors"] == []
    organization = (await inventory(gql, owner))["organization"]
    members = {m["user"]["id"]: m["id"] for m in organization["members"]["nodes"]}
    return Tenant(
        owner=owner,
        member=member,
        organization_id=organization["id"],
        owner_membership_id=members[owner.user_id],
        member_membership_id=members[member.user_id],
        api_key_id=key_id,
        api_key_secret=secret,
        invitation_id=invited["inviteMember"]["invitation"]["id"],
        role_id=created["createRole"]["role"]["id"],
        policy_version_id=organization["policyVersions"]["nodes"][-1]["id"],
    )


async def inventory(gql: GraphQL, owner: Account) -> dict[str, Any]:
    return (await gql(INVENTORY, token=owner.access_token))["viewer"]  # type: ignore[no-any-return]


@pytest.fixture
async def tenants(gql: GraphQL) -> tuple[Tenant, Tenant]:
    """Two fresh organizations: A, the attacker's, and B, the target."""
    return await make_tenant(gql, "a"), await make_tenant(gql, "b")


def missing_id(type_name: str) -> str:
    return to_global_id(type_name, uuid.uuid4())


async def body(gql: GraphQL, query: str, variables: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = await gql.raw(query, variables, **headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


class Untouched:
    """Snapshots of organizations (through their owners), taken before an attack and compared after it."""

    def __init__(self, gql: GraphQL, *owners: Account) -> None:
        self.gql = gql
        self.owners = owners
        self.before: list[dict[str, Any]] = []

    async def __aenter__(self) -> Untouched:
        self.before = [await inventory(self.gql, owner) for owner in self.owners]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if exc[0] is None:
            after = [await inventory(self.gql, owner) for owner in self.owners]
            assert after == self.before


# ---------------------------------------------------------------- reading another tenant's objects


@pytest.mark.parametrize(
    "type_name", ["Organization", "Membership", "ApiKey", "Role", "PolicyVersion", "Invitation", "User"]
)
async def test_node_of_another_tenant_is_null_like_a_missing_id(
    gql: GraphQL, tenants: tuple[Tenant, Tenant], type_name: str
) -> None:
    a, b = tenants
    token = {"Authorization": f"Bearer {a.owner.access_token}"}
    own = await body(gql, NODE, {"id": a.ids()[type_name]}, **token)
    assert own == {"data": {"node": {"__typename": type_name, "id": a.ids()[type_name]}}}  # the control
    theirs = await body(gql, NODE, {"id": b.ids()[type_name]}, **token)
    absent = await body(gql, NODE, {"id": missing_id(type_name)}, **token)
    assert theirs == absent == {"data": {"node": None}}


async def test_nodes_of_mixed_tenants_return_only_ones_own(
    gql: GraphQL, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    ids = [a.organization_id, b.organization_id, a.api_key_id, b.api_key_id, b.role_id, missing_id("Role")]
    ids += [b.invitation_id, b.owner_membership_id, b.owner.user_id, "not-a-global-id"]
    data = await gql(NODES, {"ids": ids}, token=a.owner.access_token)
    assert data["nodes"] == [
        {"__typename": "Organization", "id": a.organization_id},
        None,
        {"__typename": "ApiKey", "id": a.api_key_id},
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ]


async def test_another_tenants_uuid_under_another_type_name_is_null(
    gql: GraphQL, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    forged = []
    for global_id in b.ids().values():
        decoded = from_global_id(global_id)
        assert decoded is not None
        forged += [to_global_id(t, decoded[1]) for t in b.ids()]
    data = await gql(NODES, {"ids": forged}, token=a.owner.access_token)
    assert data["nodes"] == [None] * len(forged)


async def test_federation_entities_of_another_tenant_are_null(
    gql: GraphQL, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    representations = [
        {"__typename": "Organization", "id": a.organization_id},
        {"__typename": "Organization", "id": b.organization_id},
        {"__typename": "User", "id": b.owner.user_id},
        {"__typename": "Organization", "id": missing_id("Organization")},
    ]
    data = await gql(ENTITIES, {"r": representations}, token=a.owner.access_token)
    assert data["_entities"] == [{"id": a.organization_id, "slug": a.slug}, None, None, None]


async def test_organization_by_slug_of_another_tenant_is_null(
    gql: GraphQL, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    token = {"Authorization": f"Bearer {a.owner.access_token}"}
    theirs = await body(gql, ORGANIZATION, {"slug": b.slug}, **token)
    absent = await body(gql, ORGANIZATION, {"slug": "no-such-organization-zz"}, **token)
    assert theirs == absent == {"data": {"organization": None}}
    for query in (ORGANIZATION_API_KEYS, ORGANIZATION_MEMBERS):  # nested connections: nothing to reach
        assert await body(gql, query, {"slug": b.slug}, **token) == {"data": {"organization": None}}


async def test_viewer_connections_list_only_own_tenant(gql: GraphQL, tenants: tuple[Tenant, Tenant]) -> None:
    a, b = tenants
    seen = await inventory(gql, a.owner)
    assert seen["memberships"] == [{"id": a.owner_membership_id}]
    organization = seen["organization"]
    assert organization["id"] == a.organization_id
    b_ids = set(b.ids().values()) | {b.owner_membership_id, b.owner.user_id}
    found: set[str] = {m["id"] for m in organization["members"]["nodes"]}
    found |= {m["user"]["id"] for m in organization["members"]["nodes"]}
    found |= {k["id"] for k in organization["apiKeys"]["nodes"]}
    found |= {i["id"] for i in organization["invitations"]["nodes"]}
    found |= {r["id"] for r in organization["roles"]}
    found |= {v["id"] for v in organization["policyVersions"]["nodes"]}
    assert found.isdisjoint(b_ids)
    assert organization["members"]["totalCount"] == 2
    assert organization["apiKeys"]["totalCount"] == 1
    assert organization["invitations"]["totalCount"] == 2  # the developer's, accepted, and one pending
    viewer = (await gql(VIEWER, token=a.owner.access_token))["viewer"]
    assert viewer["organizations"] == [{"slug": a.slug}]


# ---------------------------------------------------------------- writing to another tenant


async def test_remove_member_of_another_tenant_is_not_found(
    gql: GraphQL, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    async with Untouched(gql, a.owner, b.owner):
        theirs = await gql(REMOVE_MEMBER, {"id": b.member_membership_id}, token=a.owner.access_token)
        theirs_owner = await gql(REMOVE_MEMBER, {"id": b.owner_membership_id}, token=a.owner.access_token)
        absent = await gql(REMOVE_MEMBER, {"id": missing_id("Membership")}, token=a.owner.access_token)
    expected = {
        "removedMembershipId": None,
        "userErrors": [{"field": "membershipId", "message": "No such member.", "code": "NOT_FOUND"}],
    }
    assert theirs["removeMember"] == theirs_owner["removeMember"] == absent["removeMember"] == expected
    # B's member still acts for B.
    viewer = (await gql(VIEWER, token=b.member.access_token))["viewer"]
    assert viewer["organization"] == {"slug": b.slug}


async def test_revoke_api_key_of_another_tenant_is_not_found(
    gql: GraphQL, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    async with Untouched(gql, a.owner, b.owner):
        theirs = await gql(REVOKE_API_KEY, {"id": b.api_key_id}, token=a.owner.access_token)
        absent = await gql(REVOKE_API_KEY, {"id": missing_id("ApiKey")}, token=a.owner.access_token)
    expected = {
        "apiKey": None,
        "userErrors": [{"field": "apiKeyId", "message": "No such API key.", "code": "NOT_FOUND"}],
    }
    assert theirs["revokeApiKey"] == absent["revokeApiKey"] == expected
    viewer = (await gql("{ viewer { apiKey { id revokedAt } } }", token=b.api_key_secret))["viewer"]
    assert viewer["apiKey"] == {"id": b.api_key_id, "revokedAt": None}


@pytest.mark.parametrize("mutation", [ASSIGN_ROLE, UNASSIGN_ROLE], ids=["assign", "unassign"])
async def test_role_assignment_to_another_tenants_member_or_key_is_not_found(
    gql: GraphQL, tenants: tuple[Tenant, Tenant], mutation: str
) -> None:
    a, b = tenants
    targets = [b.member_membership_id, b.owner_membership_id, b.member.user_id, b.api_key_id]
    absent_targets = [missing_id("Membership"), missing_id("User"), missing_id("ApiKey"), "not-an-id"]
    async with Untouched(gql, a.owner, b.owner):
        answers = [
            await gql(mutation, {"id": target, "role": role}, token=a.owner.access_token)
            for target in targets + absent_targets
            for role in ("owner", "viewer")
        ]
    payloads = [next(iter(answer.values())) for answer in answers]
    expected = {
        "subjectId": None,
        "roles": None,
        "userErrors": [
            {
                "field": "subjectId",
                "message": "No such member or API key in this organization.",
                "code": "NOT_FOUND",
            }
        ],
    }
    assert payloads == [expected] * len(payloads)


async def test_role_defined_only_in_another_tenant_does_not_exist_here(
    gql: GraphQL, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    their_role = "auditor-b"
    async with Untouched(gql, a.owner, b.owner):
        for role in (their_role, "no-such-role"):
            assigned = await gql(
                ASSIGN_ROLE, {"id": a.member_membership_id, "role": role}, token=a.owner.access_token
            )
            assert assigned["assignRole"]["userErrors"] == [
                {"field": "role", "message": f"No role named {role!r}.", "code": "ROLE_NOT_FOUND"}
            ]
            key = await gql(
                CREATE_API_KEY,
                {"input": {"name": "k", "scopes": ["organization:read"], "roles": [role]}},
                token=a.owner.access_token,
            )
            assert [(e["field"], e["code"]) for e in key["createApiKey"]["userErrors"]] == [
                ("roles", "ROLE_NOT_FOUND")
            ]
            invite = await gql(
                INVITE, {"input": {"email": unique_email(), "role": role}}, token=a.owner.access_token
            )
            assert [(e["field"], e["code"]) for e in invite["inviteMember"]["userErrors"]] == [
                ("role", "ROLE_NOT_FOUND")
            ]


async def test_authorize_with_a_subject_of_another_tenant_is_not_found(
    gql: GraphQL, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    token = {"Authorization": f"Bearer {a.owner.access_token}"}
    own = await gql(AUTHORIZE, {"id": a.api_key_id}, token=a.owner.access_token)  # the control
    assert own["authorize"]["allowed"] is True
    answers = [
        await body(gql, AUTHORIZE, {"id": subject}, **token)
        for subject in (b.member_membership_id, b.owner.user_id, b.api_key_id)
    ]
    absent = await body(gql, AUTHORIZE, {"id": missing_id("ApiKey")}, **token)
    assert absent["data"] is None
    assert [e["extensions"] for e in absent["errors"]] == [
        {"code": "BAD_USER_INPUT", "reason": "NOT_FOUND", "field": "subjectId"}
    ]
    assert answers == [absent] * 3


async def test_policy_diff_cannot_reach_another_tenants_versions(
    gql: GraphQL, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    # B changes its policy a few more times, so it has version numbers A has never had.
    for name in ("extra-one", "extra-two", "extra-three"):
        made = await gql(
            CREATE_ROLE, {"name": name, "permissions": ["organization:read"]}, token=b.owner.access_token
        )
        assert made["createRole"]["userErrors"] == []
    a_versions = (await inventory(gql, a.owner))["organization"]["policyVersions"]["totalCount"]
    b_versions = (await inventory(gql, b.owner))["organization"]["policyVersions"]["totalCount"]
    assert b_versions > a_versions
    token = {"Authorization": f"Bearer {a.owner.access_token}"}
    theirs = await body(gql, POLICY_DIFF, {"from": 1, "to": b_versions}, **token)
    absent = await body(gql, POLICY_DIFF, {"from": 1, "to": 10_000}, **token)
    assert theirs["data"] is absent["data"] is None
    assert [e["extensions"]["reason"] for e in theirs["errors"]] == ["POLICY_VERSION_NOT_FOUND"]
    assert [e["message"] for e in theirs["errors"]] == [f"No policy version {b_versions}."]
    assert [e["message"] for e in absent["errors"]] == ["No policy version 10000."]
    # Within its own numbers, A's diff shows A's rules only.
    own = await gql(POLICY_DIFF, {"from": 1, "to": a_versions}, token=a.owner.access_token)
    subjects = {r["subject"] for r in own["policyDiff"]["added"] + own["policyDiff"]["removed"]}
    b_key = from_global_id(b.api_key_id)
    assert b_key is not None
    assert f"apikey:{b_key[1]}" not in subjects
    assert all(not s.startswith("role:auditor-b") for s in subjects)


# ---------------------------------------------------------------- credentials of one tenant against another


async def test_api_key_of_one_tenant_cannot_read_another(
    gql: GraphQL, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    key = a.api_key_secret
    own = await gql(NODES, {"ids": [a.organization_id, a.member_membership_id]}, token=key)  # the control
    assert [n["id"] for n in own["nodes"]] == [a.organization_id, a.member_membership_id]
    theirs = await gql(NODES, {"ids": list(b.ids().values())}, token=key)
    assert theirs["nodes"] == [None] * len(b.ids())
    assert await body(gql, ORGANIZATION, {"slug": b.slug}, Authorization=f"Bearer {key}") == {
        "data": {"organization": None}
    }
    viewer = (await gql(VIEWER, token=key))["viewer"]
    assert viewer == {"user": None, "organization": {"slug": a.slug}, "organizations": [{"slug": a.slug}]}
    async with Untouched(gql, a.owner, b.owner):
        revoked = await gql(REVOKE_API_KEY, {"id": b.api_key_id}, token=key)
    assert revoked["revokeApiKey"] == {
        "apiKey": None,
        "userErrors": [{"field": "apiKeyId", "message": "No such API key.", "code": "NOT_FOUND"}],
    }


async def refresh_tokens_of(app: FastAPI, account: Account) -> int:
    user = from_global_id(account.user_id)
    assert user is not None
    async with app.state.sessionmaker() as session:
        total = await session.scalar(select(func.count()).where(RefreshToken.user_id == user[1]))
    return int(total or 0)


async def test_log_in_with_another_tenants_slug_is_refused(
    gql: GraphQL, app: FastAPI, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    before = await refresh_tokens_of(app, a.member)
    answers = [
        (
            await gql(
                LOG_IN, {"input": {"email": a.member.email, "password": PASSWORD, "organizationSlug": slug}}
            )
        )["logIn"]
        for slug in (b.slug, "no-such-organization-zz")
    ]
    expected = {
        "session": None,
        "userErrors": [
            {
                "field": "organizationSlug",
                "message": "No organization with that slug among yours.",
                "code": "ORGANIZATION_NOT_FOUND",
            }
        ],
    }
    assert answers == [expected, expected]
    assert await refresh_tokens_of(app, a.member) == before  # no session was opened


async def test_refresh_cannot_switch_to_another_tenant(gql: GraphQL, tenants: tuple[Tenant, Tenant]) -> None:
    a, b = tenants
    session = await log_in(gql, a.member.email)
    answers = [
        (await gql(REFRESH, {"token": session.refresh_token, "slug": slug}))["refreshToken"]
        for slug in (b.slug, "no-such-organization-zz")
    ]
    expected = {
        "session": None,
        "userErrors": [
            {
                "field": "organizationSlug",
                "message": "No organization with that slug among yours.",
                "code": "ORGANIZATION_NOT_FOUND",
            }
        ],
    }
    assert answers == [expected, expected]
    # The refused switches spent nothing: the same refresh token still works, for A.
    again = (await gql(REFRESH, {"token": session.refresh_token, "slug": None}))["refreshToken"]
    assert again["userErrors"] == []
    assert again["session"]["organization"] == {"slug": a.slug}


async def test_forged_token_for_another_tenant_is_refused(
    gql: GraphQL, app: FastAPI, tenants: tuple[Tenant, Tenant]
) -> None:
    """Even a token the server signed itself is refused when its `org` is not one of the user's."""
    a, b = tenants
    claims = jwt.decode(a.owner.access_token, options={"verify_signature": False})
    b_org = jwt.decode(b.owner.access_token, options={"verify_signature": False})["org"]
    async with app.state.sessionmaker() as session:
        key = await app.state.runtime.tokens.keyring.signing_key(session)
    token = jwt.encode({**claims, "org": b_org}, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})
    response = await gql.raw(VIEWER, token=token)
    assert response.status_code == 401
    assert [e["extensions"] for e in response.json()["errors"]] == [
        {"code": "UNAUTHENTICATED", "reason": "INVALID_ORGANIZATION"}
    ]


async def test_invitation_of_another_tenant_cannot_be_taken_by_someone_else(
    gql: GraphQL, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    invited = await gql(
        INVITE, {"input": {"email": unique_email("target"), "role": "admin"}}, token=b.owner.access_token
    )
    token = invited["inviteMember"]["token"]
    async with Untouched(gql, a.owner, b.owner):
        answers = [
            (await gql(ACCEPT, {"input": {"token": t}}, token=a.owner.access_token))["acceptInvitation"]
            for t in (token, "atomi_no-such-invitation")
        ]
    expected = {
        "membership": None,
        "userErrors": [
            {
                "field": "token",
                "message": "The invitation is not valid for you.",
                "code": "INVALID_INVITATION",
            }
        ],
    }
    assert answers == [expected, expected]
    viewer = (await gql(VIEWER, token=a.owner.access_token))["viewer"]
    assert viewer["organizations"] == [{"slug": a.slug}]


# ---------------------------------------------------------------- members of both, removed members, e-mails


async def test_member_of_both_reads_the_other_only_with_its_roles_there(
    gql: GraphQL, tenants: tuple[Tenant, Tenant]
) -> None:
    """A's owner joins B as a reviewer (no api_keys:read there); acting for A, its A powers do not carry over."""
    a, b = tenants
    invited = await gql(
        INVITE, {"input": {"email": a.owner.email, "role": "reviewer"}}, token=b.owner.access_token
    )
    accepted = await gql(
        ACCEPT, {"input": {"token": invited["inviteMember"]["token"]}}, token=a.owner.access_token
    )
    assert accepted["acceptInvitation"]["userErrors"] == []
    token = a.owner.access_token  # still acting for A, where it is owner
    assert (await gql(VIEWER, token=token))["viewer"]["organization"] == {"slug": a.slug}

    # members:read it holds in B as a reviewer: allowed (the control).
    members = await gql(ORGANIZATION_MEMBERS, {"slug": b.slug}, token=token)
    assert members["organization"] == {"slug": b.slug, "members": {"totalCount": 3}}

    response = await gql.raw(ORGANIZATION_API_KEYS, {"slug": b.slug}, token=token)
    result = response.json()
    assert result["data"] == {"organization": None}
    assert [(e["extensions"]["code"], e["path"]) for e in result["errors"]] == [
        ("FORBIDDEN", ["organization", "apiKeys"])
    ]
    assert (await gql(NODE, {"id": b.api_key_id}, token=token))["node"] is None

    # Writes go to the organization it acts for: B's objects are not found there.
    async with Untouched(gql, b.owner):
        revoked = await gql(REVOKE_API_KEY, {"id": b.api_key_id}, token=token)
        removed = await gql(REMOVE_MEMBER, {"id": b.member_membership_id}, token=token)
        assigned = await gql(ASSIGN_ROLE, {"id": b.member_membership_id, "role": "owner"}, token=token)
    assert [e["code"] for e in revoked["revokeApiKey"]["userErrors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in removed["removeMember"]["userErrors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in assigned["assignRole"]["userErrors"]] == ["NOT_FOUND"]


async def test_removed_member_is_locked_out(gql: GraphQL, tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    session = await log_in(gql, a.member.email, a.slug)
    removed = await gql(REMOVE_MEMBER, {"id": a.member_membership_id}, token=a.owner.access_token)
    assert removed["removeMember"] == {"removedMembershipId": a.member_membership_id, "userErrors": []}

    for token in (a.member.access_token, session.access_token):
        response = await gql.raw(NODE, {"id": a.organization_id}, token=token)
        assert response.status_code == 401
        assert [e["extensions"] for e in response.json()["errors"]] == [
            {"code": "UNAUTHENTICATED", "reason": "INVALID_ORGANIZATION"}
        ]
    refreshed = (await gql(REFRESH, {"token": session.refresh_token, "slug": None}))["refreshToken"]
    assert [e["code"] for e in refreshed["userErrors"]] == ["INVALID_REFRESH_TOKEN"]
    relog = (
        await gql(
            LOG_IN, {"input": {"email": a.member.email, "password": PASSWORD, "organizationSlug": a.slug}}
        )
    )["logIn"]
    assert [e["code"] for e in relog["userErrors"]] == ["ORGANIZATION_NOT_FOUND"]
    # Logged in again without an organization, it sees nothing of A.
    fresh = await log_in(gql, a.member.email)
    assert (await gql(VIEWER, token=fresh.access_token))["viewer"] == {
        "user": {"email": a.member.email},
        "organization": None,
        "organizations": [],
    }
    assert (await gql(NODE, {"id": a.organization_id}, token=fresh.access_token))["node"] is None


async def test_email_of_a_non_member_is_hidden(gql: GraphQL, tenants: tuple[Tenant, Tenant]) -> None:
    a, b = tenants
    token = {"Authorization": f"Bearer {a.owner.access_token}"}
    theirs = await body(gql, NODE_WITH_EMAIL, {"id": b.owner.user_id}, **token)
    absent = await body(gql, NODE_WITH_EMAIL, {"id": missing_id("User")}, **token)
    assert theirs == absent == {"data": {"node": None}}
    # A's owner (members:read) sees its own member's e-mail: the control.
    own = await gql(NODE_WITH_EMAIL, {"id": a.member.user_id}, token=a.owner.access_token)
    assert own["node"]["email"] == a.member.email


async def test_email_of_a_fellow_member_needs_members_read(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    made = await gql(
        CREATE_ROLE, {"name": "guest", "permissions": ["organization:read"]}, token=owner.access_token
    )
    assert made["createRole"]["userErrors"] == []
    guest = await member_with_role(gql, owner, "guest")
    seen = (await gql(NODE_WITH_EMAIL, {"id": owner.user_id}, token=guest.access_token))["node"]
    assert seen == {"id": owner.user_id, "email": None, "displayName": "user"}
    itself = (await gql(NODE_WITH_EMAIL, {"id": guest.user_id}, token=guest.access_token))["node"]
    assert itself["email"] == guest.email


# ---------------------------------------------------------------- permission checks inside one organization


async def test_developer_cannot_invite_members(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    developer = await member_with_role(gql, owner, "developer")
    async with Untouched(gql, owner):
        for role in ("owner", "viewer"):
            errors = await gql.errors(
                INVITE, {"input": {"email": unique_email(), "role": role}}, token=developer.access_token
            )
            assert [(e["extensions"]["code"], e["path"]) for e in errors] == [("FORBIDDEN", ["inviteMember"])]


async def test_admin_cannot_invite_an_owner(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    admin = await member_with_role(gql, owner, "admin")
    async with Untouched(gql, owner):
        invited = await gql(
            INVITE, {"input": {"email": unique_email(), "role": "owner"}}, token=admin.access_token
        )
    assert invited["inviteMember"]["invitation"] is None
    assert invited["inviteMember"]["token"] is None
    assert [(e["field"], e["code"]) for e in invited["inviteMember"]["userErrors"]] == [
        ("role", "PERMISSION_ESCALATION")
    ]
    # The control: the admin may invite to a role within its own permissions.
    fine = await gql(
        INVITE, {"input": {"email": unique_email(), "role": "developer"}}, token=admin.access_token
    )
    assert fine["inviteMember"]["userErrors"] == []


async def test_developer_cannot_mint_a_key_beyond_its_own_permissions(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    developer = await member_with_role(gql, owner, "developer")
    async with Untouched(gql, owner):
        key = await gql(
            CREATE_API_KEY,
            {"input": {"name": "too-much", "scopes": ["billing:write", "packages:read"], "roles": ["owner"]}},
            token=developer.access_token,
        )
    assert key["createApiKey"]["apiKey"] is None
    assert key["createApiKey"]["secret"] is None
    assert [(e["field"], e["code"]) for e in key["createApiKey"]["userErrors"]] == [
        ("scopes", "PERMISSION_ESCALATION")
    ]


async def test_viewer_cannot_create_api_keys(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    viewer = await member_with_role(gql, owner, "viewer")
    async with Untouched(gql, owner):
        errors = await gql.errors(
            CREATE_API_KEY,
            {"input": {"name": "nope", "scopes": ["packages:read"], "roles": ["viewer"]}},
            token=viewer.access_token,
        )
    assert len(errors) == 1
    assert errors[0]["extensions"] == {"code": "FORBIDDEN"}
    assert errors[0]["path"] == ["createApiKey"]


async def test_admin_cannot_remove_an_owner(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    admin = await member_with_role(gql, owner, "admin")
    owner_membership = (await gql("{ viewer { memberships { id } } }", token=owner.access_token))["viewer"][
        "memberships"
    ][0]["id"]
    async with Untouched(gql, owner):
        removed = await gql(REMOVE_MEMBER, {"id": owner_membership}, token=admin.access_token)
    # An admin holds less than an owner, so removing the (last) owner is an escalation before anything else.
    assert removed["removeMember"] == {
        "removedMembershipId": None,
        "userErrors": [
            {
                "field": "membershipId",
                "message": "You cannot grant permissions you do not hold: billing:write.",
                "code": "PERMISSION_ESCALATION",
            }
        ],
    }


async def test_last_owner_cannot_be_removed_or_demoted(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    await member_with_role(gql, owner, "admin")
    owner_membership = (await gql("{ viewer { memberships { id } } }", token=owner.access_token))["viewer"][
        "memberships"
    ][0]["id"]
    async with Untouched(gql, owner):
        removed = await gql(REMOVE_MEMBER, {"id": owner_membership}, token=owner.access_token)
        demoted = await gql(
            UNASSIGN_ROLE, {"id": owner_membership, "role": "owner"}, token=owner.access_token
        )
    assert removed["removeMember"] == {
        "removedMembershipId": None,
        "userErrors": [
            {"field": "membershipId", "message": "The last owner cannot be removed.", "code": "LAST_OWNER"}
        ],
    }
    assert demoted["unassignRole"] == {
        "subjectId": None,
        "roles": None,
        "userErrors": [
            {"field": "role", "message": "The last owner cannot lose the owner role.", "code": "LAST_OWNER"}
        ],
    }
