"""Access tokens, API keys and the signing-key lifecycle: every bad credential is a 401 with a reason
and writes nothing; rotation keeps old tokens verifying until retirement; private keys are encrypted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import FastAPI
from jwt.algorithms import OKPAlgorithm
from sqlalchemy import select, update

from domain.auth.models import ApiKey, Organization, SigningKey
from domain.auth.secrets import MasterKey
from domain.clock import clock
from domain.db import make_engine, make_sessionmaker, unit_of_work
from resolvers.ids import from_global_id
from server.app import create_app
from server.migrate import upgrade
from server.settings import Settings
from tests.conftest import _drop_postgres_database, _postgres_database, make_settings
from tests.helpers import (
    CREATE_API_KEY,
    Account,
    GraphQL,
    api_key,
    log_in,
    member_with_role,
    sign_up,
    unique,
)

VIEWER = "{ viewer { user { email } organization { slug } } }"

VIEWER_OF_KEY = """
{ viewer { user { id } apiKey { id prefix scopes lastUsedAt } organization { slug } permissions } }
"""

# A write that any signed-in user may make: a refused credential must not let it through.
CREATE_ORGANIZATION = """
mutation($slug: String!) {
  createOrganization(input: {name: "Should not exist", slug: $slug}) {
    organization { slug } userErrors { code }
  }
}
"""

REMOVE_MEMBER = """
mutation($id: ID!) { removeMember(input: {membershipId: $id}) { removedMembershipId userErrors { code } } }
"""

REVOKE_API_KEY = """
mutation($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { apiKey { revokedAt } userErrors { code } } }
"""

API_KEYS = "{ viewer { organization { apiKeys { totalCount } } } }"

API_KEY_NODE = "query($id: ID!) { node(id: $id) { ... on ApiKey { lastUsedAt revokedAt } } }"


# ---------------------------------------------------------------- helpers


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def unverified_claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})  # type: ignore[no-any-return]


def now_ts() -> int:
    return int(datetime.now(UTC).timestamp())


def sign_by_hand(private_key: Ed25519PrivateKey, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """EdDSA over any header at all (pyjwt refuses to write some of the headers an attacker would)."""
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    return f"{signing_input}.{_b64(private_key.sign(signing_input.encode()))}"


async def real_signing_key(app: FastAPI) -> tuple[str, Ed25519PrivateKey]:
    """The server's active signing key, through its own KeyRing (the private half decrypted)."""
    async with app.state.sessionmaker() as session:
        key = await app.state.runtime.tokens.keyring.signing_key(session)
    return key.kid, key.private_key


async def sign_real(app: FastAPI, claims: dict[str, Any], **header: Any) -> str:
    kid, private_key = await real_signing_key(app)
    headers = {"kid": kid, "typ": "JWT", **header}
    return jwt.encode(claims, private_key, algorithm="EdDSA", headers=headers)


def template_claims(account: Account) -> dict[str, Any]:
    """The claims of a real token of `account`, freshly timed: a forged token starts from these."""
    claims = unverified_claims(account.access_token)
    now = now_ts()
    claims.update(iat=now, nbf=now, exp=now + 600, jti=uuid.uuid4().hex)
    return claims


async def organization_exists(app: FastAPI, slug: str) -> bool:
    async with app.state.sessionmaker() as session:
        found = await session.scalar(select(Organization.id).where(Organization.slug == slug))
    return found is not None


async def assert_refused(
    gql: GraphQL, app: FastAPI, reason: str, *, headers: dict[str, str], code: str = "UNAUTHENTICATED"
) -> httpx.Response:
    """The request is answered 401 with exactly this code and reason, and its mutation wrote nothing."""
    slug = unique("refused")
    response = await gql.raw(CREATE_ORGANIZATION, {"slug": slug}, **headers)
    body = response.json()
    assert response.status_code == 401, body
    assert "data" not in body, body
    assert len(body["errors"]) == 1, body
    assert body["errors"][0]["extensions"] == {"code": code, "reason": reason}, body
    assert body["errors"][0]["message"], body
    assert not await organization_exists(app, slug)
    return response


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ---------------------------------------------------------------- a sanity check of the harness


async def test_a_valid_token_does_write(gql: GraphQL, app: FastAPI) -> None:
    # The control for every refusal below: the same mutation with a good token does create the row.
    account = await sign_up(gql)
    slug = unique("written")
    created = await gql(CREATE_ORGANIZATION, {"slug": slug}, token=account.access_token)
    assert created["createOrganization"] == {"organization": {"slug": slug}, "userErrors": []}
    assert await organization_exists(app, slug)


async def test_access_token_is_eddsa_with_kid_and_required_claims(
    gql: GraphQL, app: FastAPI, settings: Settings
) -> None:
    account = await sign_up(gql)
    header = jwt.get_unverified_header(account.access_token)
    claims = unverified_claims(account.access_token)
    kid, _ = await real_signing_key(app)
    assert header == {"alg": "EdDSA", "kid": kid, "typ": "JWT"}
    assert {"iss", "aud", "sub", "iat", "nbf", "exp", "jti", "org"} <= set(claims)
    assert claims["iss"] == settings.issuer
    assert claims["aud"] == settings.audience
    assert claims["exp"] - claims["iat"] == settings.access_token_minutes * 60
    assert from_global_id(account.user_id) == ("User", uuid.UUID(claims["sub"]))


# ---------------------------------------------------------------- forged and broken access tokens


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_alg_none_is_refused(gql: GraphQL, app: FastAPI, alg: str) -> None:
    account = await sign_up(gql)
    kid, _ = await real_signing_key(app)
    token = f"{_segment({'alg': alg, 'typ': 'JWT', 'kid': kid})}.{_segment(template_claims(account))}."
    await assert_refused(gql, app, "INVALID_ALGORITHM", headers=bearer(token))


async def test_hs256_signed_with_the_public_key_is_refused(
    gql: GraphQL, client: httpx.AsyncClient, app: FastAPI
) -> None:
    """The classic key-confusion attack: HMAC keyed with the server's public key, taken from the JWKS."""
    account = await sign_up(gql)
    kid = jwt.get_unverified_header(account.access_token)["kid"]
    jwks = (await client.get("/.well-known/jwks.json")).json()
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    public_key = OKPAlgorithm.from_jwk(json.dumps(jwk))
    assert isinstance(public_key, Ed25519PublicKey)
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    # pyjwt refuses to HMAC with a PEM public key, so the token is forged by hand, for each key form.
    for secret in (pem, raw, json.dumps(jwk).encode()):
        signing_input = (
            f"{_segment({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{_segment(template_claims(account))}"
        )
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{_b64(signature)}"
        await assert_refused(gql, app, "INVALID_ALGORITHM", headers=bearer(token))


async def test_wrong_audience_is_refused(gql: GraphQL, app: FastAPI) -> None:
    account = await sign_up(gql)
    token = await sign_real(app, {**template_claims(account), "aud": "some-other-service"})
    await assert_refused(gql, app, "INVALID_AUDIENCE", headers=bearer(token))


async def test_wrong_issuer_is_refused(gql: GraphQL, app: FastAPI) -> None:
    account = await sign_up(gql)
    # Signed with our own key, but naming another issuer: only an organization's trusted issuers are
    # looked at for it, and none trusts this one (tests/auth/test_trusted_issuers.py).
    token = await sign_real(app, {**template_claims(account), "iss": "https://evil.example"})
    await assert_refused(gql, app, "ISSUER_NOT_TRUSTED", headers=bearer(token))


async def test_expired_token_is_refused(gql: GraphQL, app: FastAPI) -> None:
    account = await sign_up(gql)
    # A real log-in an hour ago: its 15-minute token ran out 45 minutes ago (well past the leeway).
    clock.freeze(datetime.now(UTC) - timedelta(hours=1))
    try:
        old = await log_in(gql, account.email)
    finally:
        clock.unfreeze()
    assert unverified_claims(old.access_token)["exp"] < now_ts() - 40 * 60
    await assert_refused(gql, app, "TOKEN_EXPIRED", headers=bearer(old.access_token))


async def test_token_expired_within_the_leeway_is_still_accepted(gql: GraphQL, app: FastAPI) -> None:
    # The boundary of the test above: 10 seconds late is within the 30-second clock-skew leeway.
    account = await sign_up(gql)
    token = await sign_real(app, {**template_claims(account), "exp": now_ts() - 10})
    assert (await gql(VIEWER, token=token))["viewer"]["user"] == {"email": account.email}


async def test_not_yet_valid_token_is_refused(gql: GraphQL, app: FastAPI) -> None:
    account = await sign_up(gql)
    now = now_ts()
    token = await sign_real(app, {**template_claims(account), "nbf": now + 3600, "exp": now + 7200})
    await assert_refused(gql, app, "TOKEN_NOT_YET_VALID", headers=bearer(token))


async def test_token_issued_in_the_future_is_refused(gql: GraphQL, app: FastAPI) -> None:
    account = await sign_up(gql)
    now = now_ts()
    claims = {**template_claims(account), "iat": now + 3600, "exp": now + 7200}
    claims.pop("nbf")
    token = await sign_real(app, claims)
    await assert_refused(gql, app, "TOKEN_NOT_YET_VALID", headers=bearer(token))


@pytest.mark.parametrize("kid", [uuid.uuid4().hex, "", "../../../../dev/null", "' OR '1'='1", None], ids=repr)
async def test_unknown_kid_is_refused(gql: GraphQL, app: FastAPI, kid: object) -> None:
    account = await sign_up(gql)
    _, private_key = await real_signing_key(app)
    header: dict[str, Any] = {"alg": "EdDSA", "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    # Signed with the real key, so only the key id is wrong.
    token = sign_by_hand(private_key, header, template_claims(account))
    await assert_refused(gql, app, "UNKNOWN_KEY", headers=bearer(token))


@pytest.mark.parametrize(
    "extra",
    [{"kid": 42}, {"kid": ["a", "b"]}, {"crit": ["exp"]}, {"crit": "b64"}, {"crit": []}],
    ids=["int-kid", "list-kid", "crit-unsupported", "crit-not-a-list", "crit-empty"],
)
async def test_malformed_header_is_refused(gql: GraphQL, app: FastAPI, extra: dict[str, Any]) -> None:
    # Headers pyjwt itself rejects as malformed: well signed by the real key, yet not a token to act on.
    account = await sign_up(gql)
    kid, private_key = await real_signing_key(app)
    token = sign_by_hand(
        private_key, {"alg": "EdDSA", "typ": "JWT", "kid": kid, **extra}, template_claims(account)
    )
    await assert_refused(gql, app, "INVALID_TOKEN", headers=bearer(token))


async def test_token_signed_by_another_key_under_the_real_kid_is_refused(gql: GraphQL, app: FastAPI) -> None:
    account = await sign_up(gql)
    kid, _ = await real_signing_key(app)
    attacker = Ed25519PrivateKey.generate()
    # The attacker also embeds its own public key in the header, hoping the server trusts it.
    embedded = json.loads(OKPAlgorithm.to_jwk(attacker.public_key()))
    token = jwt.encode(
        template_claims(account), attacker, algorithm="EdDSA", headers={"kid": kid, "jwk": embedded}
    )
    await assert_refused(gql, app, "INVALID_SIGNATURE", headers=bearer(token))


async def test_tampered_claims_are_refused(gql: GraphQL, app: FastAPI) -> None:
    victim = await sign_up(gql)
    attacker = await sign_up(gql)
    header, _, signature = attacker.access_token.split(".")
    payload = {
        **unverified_claims(attacker.access_token),
        "sub": unverified_claims(victim.access_token)["sub"],
    }
    token = f"{header}.{_segment(payload)}.{signature}"
    await assert_refused(gql, app, "INVALID_SIGNATURE", headers=bearer(token))


@pytest.mark.parametrize("claim", ["exp", "sub", "iat", "iss", "aud"])
async def test_missing_required_claim_is_refused(gql: GraphQL, app: FastAPI, claim: str) -> None:
    account = await sign_up(gql)
    claims = template_claims(account)
    del claims[claim]
    token = await sign_real(app, claims)
    await assert_refused(gql, app, "INVALID_TOKEN", headers=bearer(token))


@pytest.mark.parametrize(
    ("claim", "value"),
    [("sub", "not-a-uuid"), ("sub", str(uuid.uuid4())), ("org", "not-a-uuid"), ("exp", "tomorrow")],
)
async def test_invalid_claim_values_are_refused(gql: GraphQL, app: FastAPI, claim: str, value: str) -> None:
    # A well-signed token about nobody (an unknown user) or with nonsense in a claim.
    account = await sign_up(gql)
    token = await sign_real(app, {**template_claims(account), claim: value})
    await assert_refused(gql, app, "INVALID_TOKEN", headers=bearer(token))


@pytest.mark.parametrize(
    "credential", ["garbage", "a.b.c", "...", "x" * 5000, "eyJ.eyJ.eyJ"], ids=lambda c: c[:20]
)
async def test_garbage_token_is_refused(gql: GraphQL, app: FastAPI, credential: str) -> None:
    await assert_refused(gql, app, "INVALID_TOKEN", headers=bearer(credential))


@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpjb3JyZWN0IGhvcnNl", "Bearer", "Bearer    ", "Token abc", "Digest username=x"],
    ids=repr,
)
async def test_non_bearer_authorization_is_refused(gql: GraphQL, app: FastAPI, authorization: str) -> None:
    await assert_refused(gql, app, "INVALID_TOKEN", headers={"Authorization": authorization})


async def test_basic_with_valid_credentials_is_still_refused(gql: GraphQL, app: FastAPI) -> None:
    account = await sign_up(gql)
    basic = base64.b64encode(f"{account.email}:{account.password}".encode()).decode()
    await assert_refused(gql, app, "INVALID_TOKEN", headers={"Authorization": f"Basic {basic}"})


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Authorization": "Bearer garbage"}, "INVALID_TOKEN"),
        ({"Authorization": "Bearer atom_nope"}, "INVALID_API_KEY"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "INVALID_TOKEN"),
        ({"Authorization": "Bearer"}, "INVALID_TOKEN"),
    ],
    ids=["bad-token", "bad-api-key", "basic", "empty-bearer"],
)
async def test_every_401_carries_a_bearer_challenge(
    gql: GraphQL, app: FastAPI, headers: dict[str, str], reason: str
) -> None:
    """RFC 7235 3.1: a 401 response MUST carry a WWW-Authenticate challenge, whatever the failure."""
    response = await assert_refused(gql, app, reason, headers=headers)
    assert response.headers.get("www-authenticate", "").startswith("Bearer")


async def test_token_of_a_removed_member_is_refused(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    member = await member_with_role(gql, owner, "developer")
    membership_id = (await gql("{ viewer { memberships { id } } }", token=member.access_token))["viewer"][
        "memberships"
    ][0]["id"]
    removed = await gql(REMOVE_MEMBER, {"id": membership_id}, token=owner.access_token)
    assert removed["removeMember"] == {"removedMembershipId": membership_id, "userErrors": []}
    # The token itself is well signed and unexpired; its `org` claim is what no longer holds.
    await assert_refused(gql, app, "INVALID_ORGANIZATION", headers=bearer(member.access_token))


async def test_token_claiming_an_organization_of_someone_else_is_refused(gql: GraphQL, app: FastAPI) -> None:
    account = await sign_up(gql)
    other = await sign_up(gql)
    other_org = unverified_claims(other.access_token)["org"]
    token = await sign_real(app, {**template_claims(account), "org": other_org})
    await assert_refused(gql, app, "INVALID_ORGANIZATION", headers=bearer(token))


# ---------------------------------------------------------------- API keys


async def test_valid_api_key_authenticates_as_the_key(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    key_id, secret = await api_key(gql, owner, scopes=["organization:read", "api_keys:read"])
    for headers in (bearer(secret), {"X-Api-Key": secret}):
        viewer = (await gql(VIEWER_OF_KEY, None, **headers))["viewer"]
        assert viewer["user"] is None
        assert viewer["apiKey"]["id"] == key_id
        assert viewer["apiKey"]["prefix"] == secret.split("_")[1]
        assert viewer["apiKey"]["scopes"] == ["api_keys:read", "organization:read"]
        assert viewer["apiKey"]["lastUsedAt"] is not None
        assert viewer["organization"] == {"slug": owner.organization_slug}
        assert viewer["permissions"] == ["api_keys:read", "organization:read"]


async def test_revoked_api_key_is_refused(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    key_id, secret = await api_key(gql, owner, scopes=["organization:read"])
    revoked = await gql(REVOKE_API_KEY, {"id": key_id}, token=owner.access_token)
    assert revoked["revokeApiKey"]["userErrors"] == []
    await assert_refused(gql, app, "API_KEY_REVOKED", headers=bearer(secret))
    await assert_refused(gql, app, "API_KEY_REVOKED", headers={"X-Api-Key": secret})
    node = (await gql(API_KEY_NODE, {"id": key_id}, token=owner.access_token))["node"]
    assert node["lastUsedAt"] is None  # the refused attempts recorded no use
    # Without the right secret, a revoked key's prefix tells nothing about its state.
    wrong = f"atom_{secret.split('_')[1]}_{'A' * 43}"
    await assert_refused(gql, app, "INVALID_API_KEY", headers=bearer(wrong))


async def test_expired_api_key_is_refused(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    expires_at = datetime.now(UTC) + timedelta(minutes=10)
    key_id, secret = await api_key(gql, owner, scopes=["organization:read"], expiresAt=expires_at.isoformat())
    clock.freeze(expires_at + timedelta(minutes=1))
    try:
        await assert_refused(gql, app, "API_KEY_EXPIRED", headers=bearer(secret))
    finally:
        clock.unfreeze()
    node = (await gql(API_KEY_NODE, {"id": key_id}, token=owner.access_token))["node"]
    assert node == {"lastUsedAt": None, "revokedAt": None}
    # The control: before its expiry the same key works, so the refusal above was the expiry's.
    assert (await gql(VIEWER, token=secret))["viewer"]["organization"] == {"slug": owner.organization_slug}


async def test_malformed_or_unknown_api_keys_are_refused(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    _, secret = await api_key(gql, owner, scopes=["organization:read"])
    _, prefix, body = secret.split("_", 2)
    candidates = [
        "atom_",
        "atom_abc",
        "atom_a_b_c",
        f"atom_{prefix}",
        f"atom_{prefix}_",
        f"atom_{prefix}_{body[:-1]}{'A' if body[-1] != 'A' else 'B'}",  # one character off
        f"atom_{'0' * 12}_{body}",  # the right secret under an unknown prefix
        f"atom_{prefix}_{body}_extra",
    ]
    if prefix.upper() != prefix:  # a hex prefix of digits only has no other case (this was a flake)
        candidates.append(f"atom_{prefix.upper()}_{body}")
    for candidate in candidates:
        await assert_refused(gql, app, "INVALID_API_KEY", headers=bearer(candidate))
        await assert_refused(gql, app, "INVALID_API_KEY", headers={"X-Api-Key": candidate})


async def test_api_key_scopes_narrow_its_roles(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    _, secret = await api_key(gql, owner, scopes=["packages:read"], roles=["developer"])
    before = (await gql(API_KEYS, token=owner.access_token))["viewer"]["organization"]["apiKeys"]
    errors = await gql.errors(
        CREATE_API_KEY,
        {"input": {"name": "escape", "scopes": ["packages:read"], "roles": ["developer"]}},
        token=secret,
    )
    assert [(e["extensions"]["code"], e["path"]) for e in errors] == [("FORBIDDEN", ["createApiKey"])]
    after = (await gql(API_KEYS, token=owner.access_token))["viewer"]["organization"]["apiKeys"]
    assert after == before
    assert (await gql("{ viewer { permissions } }", token=secret))["viewer"]["permissions"] == [
        "packages:read"
    ]


async def test_api_key_scopes_never_widen_its_roles(gql: GraphQL) -> None:
    owner = await sign_up(gql)
    # A scope the key's role lacks grants nothing: scopes only ever narrow what the roles allow.
    payload = (
        await gql(
            CREATE_API_KEY,
            {"input": {"name": "wide", "scopes": ["api_keys:write"], "roles": ["viewer"]}},
            token=owner.access_token,
        )
    )["createApiKey"]
    assert payload["userErrors"] == []
    assert payload["apiKey"]["scopes"] == ["api_keys:write"]
    assert payload["apiKey"]["roles"] == ["viewer"]
    secret = payload["secret"]
    assert (await gql("{ viewer { permissions } }", token=secret))["viewer"]["permissions"] == []
    before = (await gql(API_KEYS, token=owner.access_token))["viewer"]["organization"]["apiKeys"]
    errors = await gql.errors(
        CREATE_API_KEY,
        {"input": {"name": "x", "scopes": ["api_keys:write"], "roles": ["viewer"]}},
        token=secret,
    )
    assert [(e["extensions"]["code"], e["path"]) for e in errors] == [("FORBIDDEN", ["createApiKey"])]
    assert (await gql(API_KEYS, token=owner.access_token))["viewer"]["organization"]["apiKeys"] == before


# ---------------------------------------------------------------- signing keys: storage and lifecycle


async def test_private_keys_are_stored_encrypted_under_the_master_key(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    kid, private_key = await real_signing_key(app)
    async with app.state.sessionmaker() as session:
        row = (await session.execute(select(SigningKey).where(SigningKey.kid == kid))).scalar_one()
    stored = row.private_key_encrypted
    assert stored is not None
    for plain in (b"-----BEGIN", b"PRIVATE KEY", private_key.private_bytes_raw()):
        assert plain not in stored
    assert "d" not in row.public_jwk

    pem = settings.master.decrypt(stored, context=kid)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    loaded = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    assert loaded.private_bytes_raw() == private_key.private_bytes_raw()

    with pytest.raises(InvalidTag):
        MasterKey.from_b64(MasterKey.generate_b64()).decrypt(stored, context=kid)
    with pytest.raises(InvalidTag):  # the kid is bound in: a ciphertext cannot be moved to another key
        settings.master.decrypt(stored, context=uuid.uuid4().hex)

    jwks = (await client.get("/.well-known/jwks.json")).text
    assert settings.master_key is not None
    master_value = settings.master_key.get_secret_value()
    for shown in (jwks, repr(settings), str(settings), repr(settings.master)):
        assert master_value not in shown
    assert '"d"' not in jwks


@dataclass
class IsolatedApp:
    """An app of its own on a fresh database, for tests that retire keys (the shared one must keep its)."""

    app: FastAPI
    settings: Settings
    gql: GraphQL
    http: httpx.AsyncClient


@pytest.fixture
def isolated_database_url(tmp_path: Path) -> Iterator[str]:
    base = os.environ.get("ATOM_TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        url, name = _postgres_database(base)
        upgrade(url)
        yield url
        _drop_postgres_database(base, name)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}"
        upgrade(url)
        yield url


@pytest.fixture
async def isolated(isolated_database_url: str, tmp_path: Path) -> AsyncIterator[IsolatedApp]:
    settings = make_settings(isolated_database_url, tmp_path / "home")
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 40001))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield IsolatedApp(application, settings, GraphQL(http), http)


async def jwks_kids(http: httpx.AsyncClient) -> list[str]:
    response = await http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    for key in keys:
        assert {k: key[k] for k in ("kty", "crv", "alg", "use")} == {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
        }
        assert "d" not in key
    return sorted(k["kid"] for k in keys)


async def test_rotation_overlap_and_retirement(isolated: IsolatedApp) -> None:
    app, gql, http = isolated.app, isolated.gql, isolated.http
    keyring = app.state.runtime.tokens.keyring
    account = await sign_up(gql)
    old_kid = jwt.get_unverified_header(account.access_token)["kid"]
    assert await jwks_kids(http) == [old_kid]

    # `atom keys rotate`, as the CLI does it: one committed unit of work.
    async with unit_of_work(app.state.sessionmaker) as session:
        new_key, retired = await keyring.rotate(session)
        new_kid = new_key.kid
    assert retired == []
    assert new_kid != old_kid
    assert await jwks_kids(http) == sorted([old_kid, new_kid])

    # A token signed before the rotation still verifies; new tokens carry the new kid.
    assert (await gql(VIEWER, token=account.access_token))["viewer"]["user"] == {"email": account.email}
    fresh = await log_in(gql, account.email)
    assert jwt.get_unverified_header(fresh.access_token)["kid"] == new_kid
    assert (await gql(VIEWER, token=fresh.access_token))["viewer"]["user"] == {"email": account.email}

    async with app.state.sessionmaker() as session:
        superseded_at = (
            await session.execute(select(SigningKey.superseded_at).where(SigningKey.kid == old_kid))
        ).scalar_one()
    assert superseded_at is not None
    ttl = isolated.settings.access_token_ttl

    # Until the last token the old key signed could have expired, retiring leaves it alone.
    clock.freeze(superseded_at + ttl - timedelta(seconds=5))
    try:
        async with unit_of_work(app.state.sessionmaker) as session:
            assert await keyring.retire_expired(session) == []
    finally:
        clock.unfreeze()
    assert await jwks_kids(http) == sorted([old_kid, new_kid])
    assert (await gql(VIEWER, token=account.access_token))["viewer"]["user"] == {"email": account.email}

    clock.freeze(superseded_at + ttl + timedelta(minutes=1))
    try:
        async with unit_of_work(app.state.sessionmaker) as session:
            retired_now = [k.kid for k in await keyring.retire_expired(session)]
    finally:
        clock.unfreeze()
    assert retired_now == [old_kid]
    assert await jwks_kids(http) == [new_kid]

    async with app.state.sessionmaker() as session:
        row = (await session.execute(select(SigningKey).where(SigningKey.kid == old_kid))).scalar_one()
    assert row.retired_at is not None
    assert row.private_key_encrypted is None  # the private half is gone for good

    # The old token (still unexpired by the wall clock) now names a key nobody knows.
    await assert_refused(gql, app, "UNKNOWN_KEY", headers=bearer(account.access_token))
    assert (await gql(VIEWER, token=fresh.access_token))["viewer"]["user"] == {"email": account.email}


async def test_rotation_in_the_shared_app_keeps_old_tokens_verifying(
    gql: GraphQL, client: httpx.AsyncClient, app: FastAPI
) -> None:
    account = await sign_up(gql)
    old_kid = jwt.get_unverified_header(account.access_token)["kid"]
    async with unit_of_work(app.state.sessionmaker) as session:
        new_key, _ = await app.state.runtime.tokens.keyring.rotate(session)
        new_kid = new_key.kid
    kids = {k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]}
    assert {old_kid, new_kid} <= kids
    assert (await gql(VIEWER, token=account.access_token))["viewer"]["user"] == {"email": account.email}
    fresh = await log_in(gql, account.email)
    assert jwt.get_unverified_header(fresh.access_token)["kid"] == new_kid


# ---------------------------------------------------------------- the `atom keys` CLI, end to end


def _atom(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "atom"
    result = subprocess.run(
        [str(executable), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    assert env["ATOM_MASTER_KEY"] not in result.stdout + result.stderr
    return result


def _key_lines(output: str) -> dict[str, str]:
    """kid -> state, from the listing `atom keys` prints."""
    lines = {}
    for line in output.splitlines():
        parts = line.split("  ")
        if len(parts) >= 4 and parts[1] == "EdDSA":
            lines[parts[0]] = parts[-1]
    return lines


async def test_keys_cli_rotates_lists_and_retires(tmp_path: Path) -> None:
    home = tmp_path / "home"
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    master = MasterKey.generate_b64()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATOM_")}
    env.update(ATOM_DATABASE_URL=url, ATOM_HOME=str(home), ATOM_MASTER_KEY=master)

    assert "migrations at head" in _atom(["migrate"], env, tmp_path).stdout
    assert _key_lines(_atom(["keys", "list"], env, tmp_path).stdout) == {}

    first = _atom(["keys", "rotate"], env, tmp_path).stdout
    first_kid = first.splitlines()[0].removeprefix("new signing key ")
    assert _key_lines(first) == {first_kid: "signing"}

    second = _atom(["keys", "rotate"], env, tmp_path).stdout
    second_kid = second.splitlines()[0].removeprefix("new signing key ")
    assert "retired" not in second
    listed = _key_lines(_atom(["keys", "list"], env, tmp_path).stdout)
    assert listed.keys() == {first_kid, second_kid}
    assert listed[second_kid] == "signing"
    assert listed[first_kid].startswith("verifying (superseded ")

    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    try:
        async with sessionmaker() as session:
            rows = {k.kid: k for k in (await session.execute(select(SigningKey))).scalars()}
        assert rows.keys() == {first_kid, second_kid}
        for kid, row in rows.items():
            assert row.private_key_encrypted is not None
            assert b"PRIVATE KEY" not in row.private_key_encrypted
            pem = MasterKey.from_b64(master).decrypt(row.private_key_encrypted, context=kid)
            assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")

        # The server built on the same database and master key publishes both keys.
        settings = make_settings(url, home, master_key=master)
        application = create_app(settings)
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 40002))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                assert await jwks_kids(http) == sorted([first_kid, second_kid])
                account = await sign_up(GraphQL(http))
                assert jwt.get_unverified_header(account.access_token)["kid"] == second_kid

        # Let the overlap pass (the subprocess has its own clock): the next listing retires the old key.
        overlap = settings.access_token_ttl + timedelta(minutes=1)
        async with unit_of_work(sessionmaker) as session:
            await session.execute(
                update(SigningKey)
                .where(SigningKey.kid == first_kid)
                .values(superseded_at=datetime.now(UTC) - overlap)
            )
        assert _key_lines(_atom(["keys", "list"], env, tmp_path).stdout) == {second_kid: "signing"}
        async with sessionmaker() as session:
            old = (await session.execute(select(SigningKey).where(SigningKey.kid == first_kid))).scalar_one()
        assert old.retired_at is not None
        assert old.private_key_encrypted is None
    finally:
        await engine.dispose()


async def test_api_key_secret_is_stored_hashed(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    key_id, secret = await api_key(gql, owner, scopes=["organization:read"])
    decoded = from_global_id(key_id)
    assert decoded is not None
    async with app.state.sessionmaker() as session:
        row = (await session.execute(select(ApiKey).where(ApiKey.id == decoded[1]))).scalar_one()
    assert secret not in row.secret_hash
    assert secret.split("_", 2)[2] not in row.secret_hash
    assert row.prefix == secret.split("_")[1]
