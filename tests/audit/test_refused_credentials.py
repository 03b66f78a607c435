"""A refused attempt with a genuine credential (an expired access token, a revoked API key) is
audited in the chain of the organization it names, although the request ends with 401 before
GraphQL runs. Forged credentials name no one and leave nothing (docs/audit.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from domain.clock import clock
from tests.audit.support import org_chain, request_id, rows_of_request, user_actor, uuid_of
from tests.helpers import GraphQL, api_key, log_in, sign_up

VIEWER = "{ viewer { user { id } } }"
REVOKE = "mutation($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { userErrors { code } } }"


async def test_an_expired_access_token_is_audited_for_its_user(gql: GraphQL, app: FastAPI) -> None:
    account = await sign_up(gql, prefix="expired")
    clock.freeze(datetime.now(UTC) - timedelta(hours=1))
    try:
        old = await log_in(gql, account.email, account.organization_slug)
    finally:
        clock.unfreeze()
    request = request_id("expired")
    response = await gql.raw(VIEWER, None, token=old.access_token, **{"X-Request-ID": request})
    assert response.status_code == 401
    [entry] = await rows_of_request(app, request)
    assert (entry.chain, entry.actor, entry.action) == (
        org_chain(account),
        user_actor(account),
        "authenticate",
    )
    assert (entry.decision, entry.outcome, entry.reason, entry.risk) == ("DENY", "DENIED", "TOKEN_EXPIRED", 2)


async def test_a_revoked_api_key_is_audited_for_its_key(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql, prefix="keys")
    key_id, secret = await api_key(gql, owner, scopes=["organization:read"])
    revoked = await gql(REVOKE, {"id": key_id}, token=owner.access_token)
    assert revoked["revokeApiKey"]["userErrors"] == []
    request = request_id("revoked")
    response = await gql.raw(VIEWER, None, **{"X-API-Key": secret, "X-Request-ID": request})
    assert response.status_code == 401
    [entry] = await rows_of_request(app, request)
    assert (entry.chain, entry.actor, entry.reason) == (
        org_chain(owner),
        f"apikey:{uuid_of(key_id)}",
        "API_KEY_REVOKED",
    )


async def test_a_forged_or_unknown_credential_leaves_nothing(gql: GraphQL, app: FastAPI) -> None:
    for credential in ("not-a-token", "atom_abcdefgh_" + "x" * 40, "eyJhbGciOiJFZERTQSJ9.e30.c2ln"):
        request = request_id("forged")
        response = await gql.raw(VIEWER, None, token=credential, **{"X-Request-ID": request})
        assert response.status_code == 401
        assert await rows_of_request(app, request) == []
