"""API keys: created with a secret shown once, stored hashed, scoped, listed, revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from domain.auth.models import ApiKey
from domain.auth.secrets import digest_secret
from tests.helpers import CREATE_API_KEY, GraphQL, api_key, member_with_role, sign_up

KEYS = """
{ viewer { organization { apiKeys(first: 20) { totalCount nodes { id name prefix scopes roles revokedAt lastUsedAt } } } } }
"""

REVOKE = """
mutation Revoke($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { apiKey { id revokedAt } userErrors { field code } } }
"""


async def test_secret_is_shown_once_and_stored_hashed(gql: GraphQL, app) -> None:  # type: ignore[no-untyped-def]
    owner = await sign_up(gql)
    key_id, secret = await api_key(gql, owner, scopes=["packages:read", "usage:write"])
    prefix = secret.split("_")[1]
    assert secret.startswith(f"atom_{prefix}_")
    listed = (await gql(KEYS, token=owner.access_token))["viewer"]["organization"]["apiKeys"]
    assert listed["totalCount"] == 1
    node = listed["nodes"][0]
    assert node["id"] == key_id and node["prefix"] == prefix and node["roles"] == ["developer"]
    assert node["scopes"] == ["packages:read", "usage:write"]
    assert secret not in str(listed)
    async with app.state.sessionmaker() as session:
        row = (await session.execute(select(ApiKey).where(ApiKey.prefix == prefix))).scalar_one()
    assert row.secret_hash == digest_secret(secret) and secret not in row.secret_hash


async def test_api_key_authenticates_for_its_organization(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    key_id, secret = await api_key(gql, owner, scopes=["packages:read", "members:read"])
    data = await gql(
        "{ viewer { user { id } apiKey { id } organization { slug } permissions } }", token=secret
    )
    assert data["viewer"]["user"] is None
    assert data["viewer"]["apiKey"] == {"id": key_id}
    assert data["viewer"]["organization"] == {"slug": owner.organization_slug}
    # Scopes narrow the developer role down to what was asked for.
    assert data["viewer"]["permissions"] == ["members:read", "packages:read"]
    via_header = await gql("{ viewer { apiKey { id } } }", **{"X-API-Key": secret})
    assert via_header["viewer"]["apiKey"] == {"id": key_id}
    listed = (await gql(KEYS, token=owner.access_token))["viewer"]["organization"]["apiKeys"]["nodes"]
    assert listed[0]["lastUsedAt"] is not None


async def test_create_api_key_errors(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    cases = [
        ({"scopes": ["packages:fly"]}, ("scopes", "UNKNOWN_PERMISSION")),
        ({"scopes": []}, ("scopes", "INVALID")),
        ({"scopes": ["packages:read"], "roles": ["ghost"]}, ("roles", "ROLE_NOT_FOUND")),
        ({"scopes": ["packages:read"], "expiresAt": past}, ("expiresAt", "INVALID_EXPIRY")),
        ({"scopes": ["packages:read"], "name": " "}, ("name", "INVALID")),
    ]
    for extra, expected in cases:
        variables = {"name": "k", **extra}
        payload = (await gql(CREATE_API_KEY, {"input": variables}, token=owner.access_token))["createApiKey"]
        assert payload["apiKey"] is None and payload["secret"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [expected], extra
    listed = (await gql(KEYS, token=owner.access_token))["viewer"]["organization"]["apiKeys"]
    assert listed["totalCount"] == 0


async def test_no_key_with_more_power_than_its_creator(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    developer = await member_with_role(gql, owner, "developer")
    payload = (
        await gql(
            CREATE_API_KEY,
            {"input": {"name": "k", "scopes": ["members:invite"], "roles": ["admin"]}},
            token=developer.access_token,
        )
    )["createApiKey"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("scopes", "PERMISSION_ESCALATION")]


async def test_revoked_key_stops_working_at_once(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    key_id, secret = await api_key(gql, owner, scopes=["packages:read"])
    revoked = (await gql(REVOKE, {"id": key_id}, token=owner.access_token))["revokeApiKey"]
    assert revoked["userErrors"] == [] and revoked["apiKey"]["revokedAt"] is not None
    response = await gql.raw("{ viewer { apiKey { id } } }", token=secret)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"] == {
        "code": "UNAUTHENTICATED",
        "reason": "API_KEY_REVOKED",
    }
    again = (await gql(REVOKE, {"id": key_id}, token=owner.access_token))["revokeApiKey"]
    assert again["userErrors"] == []  # idempotent


async def test_revoke_unknown_key_is_not_found(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    for bad in ("garbage", "T3JnYW5pemF0aW9uOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA"):
        payload = (await gql(REVOKE, {"id": bad}, token=owner.access_token))["revokeApiKey"]
        assert payload == {"apiKey": None, "userErrors": [{"field": "apiKeyId", "code": "NOT_FOUND"}]}
