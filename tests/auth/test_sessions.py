"""Sign-up, log-in, refresh rotation and log-out through GraphQL."""

from __future__ import annotations

from tests.helpers import LOG_IN, PASSWORD, SIGN_UP, GraphQL, log_in, sign_up, unique_email

VIEWER = "{ viewer { user { email } organization { slug } organizations { slug } memberships { roles } } }"

REFRESH = """
mutation Refresh($input: RefreshTokenInput!) {
  refreshToken(input: $input) {
    session { accessToken refreshToken organization { slug } }
    userErrors { field message code }
  }
}
"""


async def test_sign_up_creates_user_organization_and_owner_session(gql: GraphQL) -> None:
    account = await sign_up(gql)
    viewer = (await gql(VIEWER, token=account.access_token))["viewer"]
    assert viewer["user"] == {"email": account.email}
    assert viewer["organization"] == {"slug": account.organization_slug}
    assert viewer["memberships"] == [{"roles": ["owner"]}]


async def test_anonymous_viewer_has_no_user(gql: GraphQL) -> None:
    viewer = (await gql(VIEWER))["viewer"]
    assert viewer == {"user": None, "organization": None, "organizations": [], "memberships": []}


async def test_duplicate_email_is_a_user_error_and_writes_nothing(gql: GraphQL) -> None:
    account = await sign_up(gql)
    payload = (
        await gql(
            SIGN_UP,
            {
                "input": {
                    "email": account.email.upper(),
                    "password": PASSWORD,
                    "organizationSlug": "dup-org-x1",
                }
            },
        )
    )["signUp"]
    assert payload["session"] is None
    assert payload["userErrors"] == [
        {"field": "email", "message": "An account with this e-mail exists.", "code": "EMAIL_TAKEN"}
    ]
    assert (await gql('{ organization(slug: "dup-org-x1") { id } }', token=account.access_token)) == {
        "organization": None
    }


async def test_weak_password_is_refused(gql: GraphQL) -> None:
    for weak in ("short", "password123", "aaaaaaaaaaaa"):
        payload = (await gql(SIGN_UP, {"input": {"email": unique_email(), "password": weak}}))["signUp"]
        assert payload["session"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("password", "WEAK_PASSWORD")]


async def test_invalid_email_is_refused(gql: GraphQL) -> None:
    payload = (await gql(SIGN_UP, {"input": {"email": "not-an-email", "password": PASSWORD}}))["signUp"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("email", "INVALID_EMAIL")]


async def test_wrong_password_and_unknown_user_answer_alike(gql: GraphQL) -> None:
    account = await sign_up(gql)
    wrong = (await gql(LOG_IN, {"input": {"email": account.email, "password": "nope nope nope"}}))["logIn"]
    unknown = (await gql(LOG_IN, {"input": {"email": unique_email(), "password": PASSWORD}}))["logIn"]
    assert (
        wrong
        == unknown
        == {
            "session": None,
            "userErrors": [
                {"field": "password", "message": "Invalid e-mail or password.", "code": "INVALID_CREDENTIALS"}
            ],
        }
    )


async def test_unknown_organization_slug_on_log_in(gql: GraphQL) -> None:
    account = await sign_up(gql)
    other = await sign_up(gql)
    for slug in ("no-such-org-zz", other.organization_slug):  # absent, or not one of yours: same answer
        payload = (
            await gql(
                LOG_IN, {"input": {"email": account.email, "password": PASSWORD, "organizationSlug": slug}}
            )
        )["logIn"]
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            ("organizationSlug", "ORGANIZATION_NOT_FOUND")
        ]


async def test_refresh_rotates_and_reuse_revokes_the_family(gql: GraphQL) -> None:
    account = await log_in(gql, (await sign_up(gql)).email)
    first = (await gql(REFRESH, {"input": {"refreshToken": account.refresh_token}}))["refreshToken"]
    assert first["userErrors"] == []
    second_token = first["session"]["refreshToken"]
    assert second_token != account.refresh_token

    reused = (await gql(REFRESH, {"input": {"refreshToken": account.refresh_token}}))["refreshToken"]
    assert reused["session"] is None
    assert [e["code"] for e in reused["userErrors"]] == ["REFRESH_TOKEN_REUSED"]

    # The reuse revoked the whole family: the newest token of it no longer works either.
    after = (await gql(REFRESH, {"input": {"refreshToken": second_token}}))["refreshToken"]
    assert [e["code"] for e in after["userErrors"]] == ["INVALID_REFRESH_TOKEN"]


async def test_log_out_revokes_refresh(gql: GraphQL) -> None:
    account = await sign_up(gql)
    out = await gql(
        "mutation($t: String!) { logOut(input: {refreshToken: $t}) { ok userErrors { code } } }",
        {"t": account.refresh_token},
    )
    assert out["logOut"] == {"ok": True, "userErrors": []}
    again = (await gql(REFRESH, {"input": {"refreshToken": account.refresh_token}}))["refreshToken"]
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_REFRESH_TOKEN"]


CREATE_ORG = """
mutation($s: String!) {
  createOrganization(input: {name: "Second", slug: $s}) { organization { slug } userErrors { code } }
}
"""


async def test_refresh_can_switch_organization(gql: GraphQL) -> None:
    account = await sign_up(gql)
    created = await gql(
        CREATE_ORG,
        {"s": "second-" + account.organization_slug},  # type: ignore[operator]
        token=account.access_token,
    )
    slug = created["createOrganization"]["organization"]["slug"]
    switched = (
        await gql(REFRESH, {"input": {"refreshToken": account.refresh_token, "organizationSlug": slug}})
    )["refreshToken"]
    assert switched["session"]["organization"] == {"slug": slug}
    viewer = (await gql(VIEWER, token=switched["session"]["accessToken"]))["viewer"]
    assert viewer["organization"] == {"slug": slug}
    assert sorted(o["slug"] for o in viewer["organizations"]) == sorted([slug, account.organization_slug])


async def test_the_session_shows_its_own_users_email(gql: GraphQL) -> None:
    email = unique_email()
    payload = (await gql(SIGN_UP, {"input": {"email": email, "password": PASSWORD}}))["signUp"]
    assert payload["session"]["user"]["email"] == email
    logged_in = (await gql(LOG_IN, {"input": {"email": email, "password": PASSWORD}}))["logIn"]
    assert logged_in["session"]["user"]["email"] == email
