"""A peer ATOM region as a trusted issuer: a second ATOM server on 127.0.0.1 issues the tokens, this one
verifies them against the peer's /.well-known/jwks.json, for the peer organization it was told to trust."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from server.app import create_app
from server.migrate import upgrade
from server.settings import Settings
from tests.conftest import (
    LiveServer,
    _drop_postgres_database,
    _postgres_database,
    free_port,
    make_settings,
)
from tests.helpers import GraphQL, sign_up

ADD = """
mutation Add($input: TrustedIssuerInput!) {
  addTrustedIssuer(input: $input) { trustedIssuer { id } userErrors { field message code } }
}
"""
VIEWER = "{ viewer { user { id } organization { slug } permissions } }"


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Another ATOM deployment, with a database of its own (on the same kind of server as ours)."""
    home = tmp_path_factory.mktemp("peer")
    base = os.environ.get("ATOM_TEST_DATABASE_URL", "")
    name = None
    if base.startswith("postgresql"):
        url, name = _postgres_database(base)
    else:
        url = f"sqlite+aiosqlite:///{home / 'peer.db'}"
    upgrade(url)
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    peer = make_settings(url, home, public_url=public, issuer=public)
    server = LiveServer(create_app(peer), port=port, settings=peer)
    server.start()
    yield server
    server.stop()
    if name is not None:
        _drop_postgres_database(base, name)


async def peer_account(peer: LiveServer) -> tuple[str, str]:
    """(access token, organization id) of a new account of the peer region."""
    async with httpx.AsyncClient(base_url=peer.url, timeout=30) as http:
        account = await sign_up(GraphQL(http), prefix="peer")
    claims = jwt.decode(account.access_token, options={"verify_signature": False})
    return account.access_token, claims["org"]


def peer_trust(peer: LiveServer, organization: str, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "EU region",
        "issuer": peer.url,
        "jwksUrl": f"{peer.url}/.well-known/jwks.json",
        "audience": "atom-cloud",
        "allowedRoles": ["viewer"],
        "defaultRoles": ["viewer"],
        "requiredClaims": [{"claim": "org", "value": organization}],
        **overrides,
    }


async def test_tokens_of_a_trusted_peer_region_act_as_its_service_identity(
    gql: GraphQL, peer: LiveServer, settings: Settings
) -> None:
    token, peer_org = await peer_account(peer)
    other_token, _ = await peer_account(peer)
    owner = await sign_up(gql)
    # Not trusted yet: refused.
    response = await gql.raw(VIEWER, token=token)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["reason"] == "ISSUER_NOT_TRUSTED"

    added = (await gql(ADD, {"input": peer_trust(peer, peer_org)}, token=owner.access_token))[
        "addTrustedIssuer"
    ]
    assert added["userErrors"] == []
    viewer = (await gql(VIEWER, token=token))["viewer"]
    assert viewer["user"] is None  # the peer's users are not ours: a service identity
    assert viewer["organization"]["slug"] == owner.organization_slug
    assert "packages:read" in viewer["permissions"] and "packages:publish" not in viewer["permissions"]

    # Another organization of the same region is not trusted.
    response = await gql.raw(VIEWER, token=other_token)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["reason"] == "CLAIM_MISMATCH"
    # Our own tokens are still ours: the peer's issuer is not a way around our keys.
    assert settings.issuer != peer.url
    assert (await gql(VIEWER, token=owner.access_token))["viewer"]["user"] is not None


async def test_a_peer_token_for_another_audience_is_refused(gql: GraphQL, peer: LiveServer) -> None:
    token, peer_org = await peer_account(peer)
    owner = await sign_up(gql)
    trust = peer_trust(peer, peer_org, audience="atom-cloud-eu")
    added = (await gql(ADD, {"input": trust}, token=owner.access_token))["addTrustedIssuer"]
    assert added["userErrors"] == []
    response = await gql.raw(VIEWER, token=token, **{"X-Atom-Organization": owner.organization_slug or ""})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["reason"] == "INVALID_AUDIENCE"
