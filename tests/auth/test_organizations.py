"""Organizations, invitations and membership through GraphQL."""

from __future__ import annotations

from tests.helpers import ACCEPT, INVITE, GraphQL, log_in, member_with_role, sign_up, unique

CREATE_ORG = """
mutation Create($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { id slug name } userErrors { field message code } }
}
"""

REMOVE = """
mutation Remove($id: ID!) {
  removeMember(input: {membershipId: $id}) { removedMembershipId userErrors { field code } }
}
"""

MEMBERS = """
{ viewer { organization { members(first: 50) { totalCount nodes { id roles user { email } } } } } }
"""


async def _members(gql: GraphQL, token: str) -> dict[str, dict[str, object]]:
    nodes = (await gql(MEMBERS, token=token))["viewer"]["organization"]["members"]["nodes"]
    return {n["user"]["email"]: n for n in nodes}


async def test_create_organization_makes_the_caller_owner(gql: GraphQL) -> None:
    user = await sign_up(gql, with_organization=False)
    slug = unique("team")
    payload = (await gql(CREATE_ORG, {"input": {"name": "Team", "slug": slug}}, token=user.access_token))[
        "createOrganization"
    ]
    assert payload["userErrors"] == []
    assert payload["organization"]["slug"] == slug
    switched = await log_in(gql, user.email, slug)
    members = await _members(gql, switched.access_token)
    assert members[user.email]["roles"] == ["owner"]


async def test_organization_slug_rules(gql: GraphQL) -> None:
    user = await sign_up(gql)
    cases = {
        "A": "INVALID_SLUG",
        "UPPER-case": "INVALID_SLUG",
        "double--hyphen": "INVALID_SLUG",
        "graphql": "INVALID_SLUG",
        user.organization_slug: "SLUG_TAKEN",
    }
    for slug, code in cases.items():
        payload = (await gql(CREATE_ORG, {"input": {"name": "X", "slug": slug}}, token=user.access_token))[
            "createOrganization"
        ]
        assert payload["organization"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("slug", code)], slug


async def test_create_organization_needs_a_signed_in_caller(gql: GraphQL) -> None:
    errors = await gql.errors(CREATE_ORG, {"input": {"name": "X", "slug": unique("anon")}})
    assert [e["extensions"]["code"] for e in errors] == ["UNAUTHENTICATED"]


async def test_invitation_flow_gives_the_invited_role(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    reviewer = await member_with_role(gql, owner, "reviewer")
    assert reviewer.organization_slug == owner.organization_slug
    members = await _members(gql, owner.access_token)
    assert members[reviewer.email]["roles"] == ["reviewer"]
    viewer = await gql("{ viewer { permissions } }", token=reviewer.access_token)
    assert "packages:review" in viewer["viewer"]["permissions"]
    assert "members:invite" not in viewer["viewer"]["permissions"]


async def test_invitation_is_single_use_and_bound_to_its_email(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    invitee = await sign_up(gql, with_organization=False)
    stranger = await sign_up(gql, with_organization=False)
    invite = (
        await gql(INVITE, {"input": {"email": invitee.email, "role": "viewer"}}, token=owner.access_token)
    )["inviteMember"]
    token = invite["token"]
    assert invite["invitation"]["status"] == "PENDING"

    wrong_person = (await gql(ACCEPT, {"input": {"token": token}}, token=stranger.access_token))[
        "acceptInvitation"
    ]
    assert [(e["field"], e["code"]) for e in wrong_person["userErrors"]] == [("token", "INVALID_INVITATION")]

    accepted = (await gql(ACCEPT, {"input": {"token": token}}, token=invitee.access_token))[
        "acceptInvitation"
    ]
    assert accepted["userErrors"] == []
    again = (await gql(ACCEPT, {"input": {"token": token}}, token=invitee.access_token))["acceptInvitation"]
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_INVITATION"]


async def test_invite_errors(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    member = await member_with_role(gql, owner, "developer")
    cases = [
        ({"email": member.email, "role": "viewer"}, ("email", "ALREADY_MEMBER")),
        ({"email": "nope", "role": "viewer"}, ("email", "INVALID_EMAIL")),
        ({"email": "new@example.com", "role": "emperor"}, ("role", "ROLE_NOT_FOUND")),
    ]
    for variables, expected in cases:
        payload = (await gql(INVITE, {"input": variables}, token=owner.access_token))["inviteMember"]
        assert payload["token"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [expected]


async def test_remove_member_revokes_access_and_sessions(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    dev = await member_with_role(gql, owner, "developer")
    members = await _members(gql, owner.access_token)
    removed = (await gql(REMOVE, {"id": members[dev.email]["id"]}, token=owner.access_token))["removeMember"]
    assert removed["userErrors"] == []
    assert dev.email not in await _members(gql, owner.access_token)
    # The removed member's token names an organization that is no longer theirs.
    response = await gql.raw("{ viewer { user { email } } }", token=dev.access_token)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["reason"] == "INVALID_ORGANIZATION"
    refreshed = await gql(
        "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { session { accessToken } "
        "userErrors { code } } }",
        {"t": dev.refresh_token},
    )
    assert [e["code"] for e in refreshed["refreshToken"]["userErrors"]] == ["INVALID_REFRESH_TOKEN"]


async def test_last_owner_cannot_be_removed(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    members = await _members(gql, owner.access_token)
    payload = (await gql(REMOVE, {"id": members[owner.email]["id"]}, token=owner.access_token))[
        "removeMember"
    ]
    assert payload == {
        "removedMembershipId": None,
        "userErrors": [{"field": "membershipId", "code": "LAST_OWNER"}],
    }
    assert owner.email in await _members(gql, owner.access_token)


async def test_viewer_lists_memberships_of_every_organization(gql: GraphQL) -> None:
    owner_a = await sign_up(gql, prefix="a")
    owner_b = await sign_up(gql, prefix="b")
    joined = await member_with_role(gql, owner_b, "viewer")
    invite = (
        await gql(INVITE, {"input": {"email": joined.email, "role": "billing"}}, token=owner_a.access_token)
    )["inviteMember"]
    await gql(ACCEPT, {"input": {"token": invite["token"]}}, token=joined.access_token)
    data = await gql(
        "{ viewer { organizations { slug } memberships { roles organization { slug } } } }",
        token=joined.access_token,
    )
    got = {m["organization"]["slug"]: m["roles"] for m in data["viewer"]["memberships"]}
    assert got == {owner_a.organization_slug: ["billing"], owner_b.organization_slug: ["viewer"]}
