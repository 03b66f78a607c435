"""Trusted issuers: an organization accepts tokens of its own identity provider, verified against the
provider's keys (fetched over real HTTP from a JWKS endpoint on 127.0.0.1), for itself only, with the
roles it allows; every refusal is a clear 401 (or a 503 when the issuer's keys cannot be had)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from domain.auth import outbound
from server.app import create_app
from server.settings import Settings
from tests.audit.support import request_id, rows_of_request
from tests.auth.oidc import (
    ADD,
    IdentityProvider,
    SigningKey,
    closed_port_url,
    identity_provider,
    silent_endpoint,
    trust,
    trust_input,
)
from tests.conftest import make_settings
from tests.helpers import GraphQL, member_with_role, sign_up

UPDATE = """
mutation Update($input: UpdateTrustedIssuerInput!) {
  updateTrustedIssuer(input: $input) { trustedIssuer { id allowedRoles } userErrors { field message code } }
}
"""
REMOVE = """
mutation Remove($input: RemoveTrustedIssuerInput!) {
  removeTrustedIssuer(input: $input) { removedTrustedIssuerId userErrors { field message code } }
}
"""
LIST = "query($slug: String!) { organization(slug: $slug) { trustedIssuers { id issuer name } } }"
VIEWER = """
{ viewer { user { email } apiKey { id } organization { slug } organizations { slug } memberships { id } permissions } }
"""
CREATE_ROLE = """
mutation { createRole(input: {name: "auditor", permissions: ["audit:read"]}) { role { name } userErrors { code } } }
"""
NODE = "query($id: ID!) { node(id: $id) { id ... on TrustedIssuer { issuer } } }"


async def refused(gql: GraphQL, token: str, status: int = 401, **headers: str) -> dict[str, Any]:
    """The error of a request refused before GraphQL ran: its status and extensions are checked by the caller."""
    response = await gql.raw(VIEWER, token=token, **headers)
    assert response.status_code == status, response.text
    (error,) = response.json()["errors"]
    return error  # type: ignore[no-any-return]


@pytest.fixture
def provider() -> Any:
    with identity_provider() as idp:
        yield idp


# ---------------------------------------------------------------- accepted tokens


async def test_service_token_acts_with_the_roles_its_trust_allows(
    gql: GraphQL, provider: IdentityProvider
) -> None:
    owner = await sign_up(gql)
    registered = await trust(gql, owner, provider)
    assert registered["identity"] == "SERVICE"
    assert (registered["allowedRoles"], registered["defaultRoles"]) == (["developer", "viewer"], ["viewer"])

    developer = provider.token(roles=["developer"])
    viewer = (await gql(VIEWER, token=developer))["viewer"]
    assert viewer["user"] is None and viewer["apiKey"] is None
    assert viewer["organization"]["slug"] == owner.organization_slug
    assert viewer["organizations"] == [{"slug": owner.organization_slug}]
    assert "packages:publish" in viewer["permissions"] and "roles:write" not in viewer["permissions"]
    # No roles claim: the default roles.
    defaulted = (await gql(VIEWER, token=provider.token()))["viewer"]
    assert "packages:read" in defaulted["permissions"] and "packages:publish" not in defaulted["permissions"]
    # What the roles do not grant stays refused.
    errors = await gql.errors(CREATE_ROLE, token=developer)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert provider.jwks_requests == 1  # fetched once, then cached


async def test_user_identity_maps_to_a_member_confined_to_the_trusting_organization(
    gql: GraphQL, provider: IdentityProvider
) -> None:
    owner = await sign_up(gql)
    member = await member_with_role(gql, owner, "viewer")
    elsewhere = await sign_up(gql)  # the member also belongs to another organization, as its admin
    await member_with_role(gql, elsewhere, "admin", prefix="x")
    await trust(gql, owner, provider, identity="USER", allowedRoles=["developer"], defaultRoles=[])

    token = provider.token(email=member.email.upper(), roles="developer")
    viewer = (await gql(VIEWER, token=token))["viewer"]
    assert viewer["user"] == {"email": member.email}
    assert viewer["organizations"] == [{"slug": owner.organization_slug}]
    assert len(viewer["memberships"]) == 1
    # The token's role, not the member's own (viewer cannot publish; developer can).
    assert "packages:publish" in viewer["permissions"]

    errors = await gql.errors(CREATE_ROLE, token=token)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"

    # It acts here only: no new organizations (which would be the user's own, outside the trust).
    created = await gql(
        'mutation { createOrganization(input: {name: "Side", slug: "side-org"}) { userErrors { code } } }',
        token=token,
    )
    assert created["createOrganization"]["userErrors"] == [{"code": "USER_REQUIRED"}]

    stranger = await refused(gql, provider.token(email="nobody@example.com", roles="developer"))
    assert stranger["extensions"] == {"code": "UNAUTHENTICATED", "reason": "NOT_A_MEMBER"}


async def test_inline_jwks_needs_no_fetch(gql: GraphQL, provider: IdentityProvider) -> None:
    owner = await sign_up(gql)
    await trust(gql, owner, provider, jwksUrl=None, jwks=json.dumps(provider.jwks()))
    viewer = (await gql(VIEWER, token=provider.token()))["viewer"]
    assert viewer["organization"]["slug"] == owner.organization_slug
    assert provider.jwks_requests == 0


async def test_an_issuer_trusted_by_two_organizations_is_told_which(
    gql: GraphQL, provider: IdentityProvider
) -> None:
    first, second = await sign_up(gql), await sign_up(gql)
    await trust(gql, first, provider, allowedRoles=["viewer"])
    await trust(gql, second, provider, allowedRoles=["developer"], defaultRoles=["developer"])
    token = provider.token()
    error = await refused(gql, token)
    assert error["extensions"]["reason"] == "ORGANIZATION_REQUIRED"
    for account, permission in ((first, "packages:read"), (second, "packages:publish")):
        assert account.organization_slug is not None
        viewer = (await gql(VIEWER, token=token, **{"X-Atom-Organization": account.organization_slug}))[
            "viewer"
        ]
        assert viewer["organization"]["slug"] == account.organization_slug
        assert permission in viewer["permissions"]


# ---------------------------------------------------------------- refused tokens


async def test_tokens_of_an_issuer_the_organization_does_not_trust_are_refused(
    gql: GraphQL, provider: IdentityProvider
) -> None:
    owner, other = await sign_up(gql), await sign_up(gql)
    token = provider.token()
    error = await refused(gql, token)
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "ISSUER_NOT_TRUSTED"}
    await trust(gql, owner, provider)
    assert other.organization_slug is not None
    # Trusted by one organization, presented for another, or for one that does not exist: the same answer.
    for slug in (other.organization_slug, "no-such-organization"):
        error = await refused(gql, token, **{"X-Atom-Organization": slug})
        assert error["extensions"]["reason"] == "ISSUER_NOT_TRUSTED"
        assert error["message"] == "No organization here trusts this token's issuer."
    # A token naming another issuer, signed with the trusted issuer's key, is not trusted either.
    error = await refused(gql, provider.token(issuer="https://elsewhere.example"))
    assert error["extensions"]["reason"] == "ISSUER_NOT_TRUSTED"


async def test_an_unknown_kid_refetches_the_keys_at_most_once_per_interval(
    gql: GraphQL, provider: IdentityProvider
) -> None:
    owner = await sign_up(gql)
    await trust(gql, owner, provider)
    await gql(VIEWER, token=provider.token())
    assert provider.jwks_requests == 1
    stranger = SigningKey()
    for _ in range(5):  # forged kids must not make us hammer the issuer
        error = await refused(gql, provider.token(key=stranger))
        assert error["extensions"]["reason"] == "UNKNOWN_KEY"
    assert provider.jwks_requests == 1  # within the 30 s refresh interval of the test settings


async def test_a_rotated_key_is_picked_up_by_refetching(
    provider: IdentityProvider, settings: Settings, tmp_path: Path
) -> None:
    async with own_app(settings, tmp_path, trusted_issuer_refresh_interval_seconds=0) as gql:
        owner = await sign_up(gql)
        await trust(gql, owner, provider)
        await gql(VIEWER, token=provider.token())
        rotated = SigningKey("ES256")
        provider.keys = [provider.key, rotated]
        viewer = (await gql(VIEWER, token=provider.token(key=rotated)))["viewer"]
        assert viewer["organization"]["slug"] == owner.organization_slug
        assert provider.jwks_requests == 2
        # A kid the issuer never published refetches (the interval is 0 here) and is refused.
        error = await refused(gql, provider.token(key=SigningKey()))
        assert error["extensions"]["reason"] == "UNKNOWN_KEY"
        assert provider.jwks_requests == 3


@pytest.mark.parametrize(
    ("mint", "reason"),
    [
        (lambda p: p.token(audience="someone-else"), "INVALID_AUDIENCE"),
        (lambda p: p.token(lifetime=-3600), "TOKEN_EXPIRED"),
        (lambda p: p.token(roles=["owner"]), "ROLE_NOT_ALLOWED"),
        (lambda p: p.token(roles=["viewer", "admin"]), "ROLE_NOT_ALLOWED"),
        (lambda p: p.token(roles=[]), "ROLE_NOT_ALLOWED"),
        (lambda p: p.token(sub=None), "INVALID_TOKEN"),
        (lambda p: p.token(headers={"kid": None}), "UNKNOWN_KEY"),
        (lambda p: _resigned(p.token(), SigningKey(), kid=p.key.kid), "INVALID_SIGNATURE"),
        (
            lambda p: jwt.encode({"iss": p.issuer, "aud": "atom", "sub": "x", "exp": 2**31}, "k" * 32),
            "INVALID_ALGORITHM",
        ),
    ],
)
async def test_bad_tokens_of_a_trusted_issuer_are_refused_with_a_reason(
    gql: GraphQL, provider: IdentityProvider, mint: Any, reason: str
) -> None:
    owner = await sign_up(gql)
    await trust(gql, owner, provider)
    error = await refused(gql, mint(provider))
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": reason}


def _resigned(token: str, key: SigningKey, *, kid: str) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(claims, key.private, algorithm=key.algorithm, headers={"kid": kid})


async def test_required_claims_must_match(gql: GraphQL, provider: IdentityProvider) -> None:
    owner = await sign_up(gql)
    await trust(gql, owner, provider, requiredClaims=[{"claim": "tenant", "value": "acme"}])
    assert (await gql(VIEWER, token=provider.token(tenant="acme")))["viewer"]["organization"]
    assert (await gql(VIEWER, token=provider.token(tenant=["beta", "acme"])))["viewer"]["organization"]
    for token in (provider.token(tenant="beta"), provider.token()):
        error = await refused(gql, token)
        assert error["extensions"]["reason"] == "CLAIM_MISMATCH"


async def test_nested_roles_claim_as_keycloak_puts_it(gql: GraphQL, provider: IdentityProvider) -> None:
    owner = await sign_up(gql)
    await trust(gql, owner, provider, rolesClaim="realm_access.roles", defaultRoles=[])
    token = provider.token(realm_access={"roles": ["developer"]})
    assert "packages:publish" in (await gql(VIEWER, token=token))["viewer"]["permissions"]
    error = await refused(gql, provider.token(realm_access={"roles": ["billing"]}))
    assert error["extensions"]["reason"] == "ROLE_NOT_ALLOWED"


async def test_a_genuine_token_refused_for_its_claims_is_audited(
    gql: GraphQL, provider: IdentityProvider, app: FastAPI
) -> None:
    owner = await sign_up(gql)
    registered = await trust(gql, owner, provider)
    rid = request_id("idp")
    await refused(gql, provider.token(sub="robot-7", roles=["owner"]), **{"X-Request-ID": rid})
    (row,) = await rows_of_request(app, rid)
    trust_id = _uuid(registered["id"])
    assert (row.action, row.decision, row.reason) == ("authenticate", "DENY", "ROLE_NOT_ALLOWED")
    assert row.actor == f"ext:{trust_id}:robot-7"
    # A forged token (unknown key) names no one we know: nothing is written.
    forged = request_id("idp")
    await refused(gql, provider.token(key=SigningKey()), **{"X-Request-ID": forged})
    assert await rows_of_request(app, forged) == []


def _uuid(global_id: str) -> str:
    from tests.audit.support import uuid_of

    return str(uuid_of(global_id))


async def test_changes_by_a_federated_principal_are_audited_with_its_subject(
    gql: GraphQL, provider: IdentityProvider, app: FastAPI
) -> None:
    owner = await sign_up(gql)
    registered = await trust(gql, owner, provider, allowedRoles=["admin"], defaultRoles=["admin"])
    rid = request_id("idp")
    data = await gql(CREATE_ROLE, token=provider.token(sub="ci-bot"), **{"X-Request-ID": rid})
    assert data["createRole"]["userErrors"] == []
    (row,) = await rows_of_request(app, rid)
    assert (row.action, row.outcome, row.actor) == (
        "createRole",
        "SUCCEEDED",
        f"ext:{_uuid(registered['id'])}:ci-bot",
    )


# ---------------------------------------------------------------- the issuer's keys cannot be had


async def test_an_issuer_whose_jwks_is_down_is_a_clear_503(gql: GraphQL, provider: IdentityProvider) -> None:
    owner = await sign_up(gql)
    await trust(gql, owner, provider, jwksUrl=closed_port_url())
    error = await refused(gql, provider.token(), status=503)
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "reason": "ISSUER_UNAVAILABLE"}
    assert "could not be reached" in error["message"]


async def test_an_issuer_answering_500_is_a_clear_503(gql: GraphQL, provider: IdentityProvider) -> None:
    owner = await sign_up(gql)
    await trust(gql, owner, provider)
    provider.status = 500
    error = await refused(gql, provider.token(), status=503)
    assert error["message"].endswith("answered HTTP 500.")


async def test_a_hung_jwks_endpoint_is_given_up_after_the_timeout(
    provider: IdentityProvider, settings: Settings, tmp_path: Path
) -> None:
    async with own_app(settings, tmp_path, trusted_issuer_fetch_timeout_seconds=0.5) as gql:
        owner = await sign_up(gql)
        with silent_endpoint() as url:
            await trust(gql, owner, provider, jwksUrl=url)
            began = time.monotonic()
            error = await refused(gql, provider.token(), status=503)
            waited = time.monotonic() - began
        assert error["extensions"]["reason"] == "ISSUER_UNAVAILABLE"
        assert "did not answer within 0.5 s" in error["message"]
        assert waited < 10  # bounded by the timeout, not hanging (a generous bound for a busy machine)


# ---------------------------------------------------------------- registering issuers: bad input


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"issuer": "not a url"}, "issuer", "INVALID_ISSUER"),
        ({"issuer": "ftp://idp.example"}, "issuer", "INVALID_ISSUER"),
        ({"issuer": "https://user:pw@idp.example"}, "issuer", "INVALID_ISSUER"),
        ({"issuer": "http://atom.test"}, "issuer", "INVALID_ISSUER"),  # our own
        ({"issuer": "https://idp.example/" + "x" * 500}, "issuer", "INVALID_ISSUER"),
        ({"jwksUrl": None}, "jwksUrl", "JWKS_REQUIRED"),
        ({"jwks": '{"keys": []}'}, "jwksUrl", "JWKS_REQUIRED"),
        ({"jwksUrl": "file:///etc/passwd"}, "jwksUrl", "INVALID_JWKS_URL"),
        ({"jwksUrl": None, "jwks": "not json"}, "jwks", "INVALID_JWKS"),
        ({"jwksUrl": None, "jwks": '{"keys": []}'}, "jwks", "INVALID_JWKS"),
        (
            {"jwksUrl": None, "jwks": '{"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "a"}]}'},
            "jwks",
            "INVALID_JWKS",
        ),
        (
            {"jwksUrl": None, "jwks": '{"keys": [{"kty": "RSA", "n": "AQAB", "kid": "a"}]}'},
            "jwks",
            "INVALID_JWKS",
        ),
        ({"audience": " "}, "audience", "INVALID"),
        ({"allowedRoles": []}, "allowedRoles", "ROLE_NOT_FOUND"),
        ({"allowedRoles": ["no-such-role"]}, "allowedRoles", "ROLE_NOT_FOUND"),
        ({"defaultRoles": ["admin"]}, "defaultRoles", "ROLE_NOT_ALLOWED"),
        ({"rolesClaim": "has space"}, "rolesClaim", "INVALID_CLAIM"),
        ({"subjectClaim": ""}, "subjectClaim", "INVALID_CLAIM"),
        ({"requiredClaims": [{"claim": "org", "value": ""}]}, "requiredClaims", "INVALID_CLAIM"),
        ({"name": ""}, "name", "INVALID"),
    ],
)
async def test_bad_trusted_issuers_are_user_errors_and_write_nothing(
    gql: GraphQL, provider: IdentityProvider, overrides: dict[str, Any], field: str, code: str
) -> None:
    owner = await sign_up(gql)
    payload = (await gql(ADD, {"input": trust_input(provider, **overrides)}, token=owner.access_token))[
        "addTrustedIssuer"
    ]
    assert payload["trustedIssuer"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)]
    listed = await gql(LIST, {"slug": owner.organization_slug}, token=owner.access_token)
    assert listed["organization"]["trustedIssuers"] == []


async def test_private_keys_in_an_inline_jwks_are_refused(gql: GraphQL, provider: IdentityProvider) -> None:
    owner = await sign_up(gql)
    private = jwt.algorithms.RSAAlgorithm.to_jwk(provider.key.private, as_dict=True)
    payload = (
        await gql(
            ADD,
            {
                "input": trust_input(
                    provider, jwksUrl=None, jwks=json.dumps({"keys": [{**private, "kid": "k"}]})
                )
            },
            token=owner.access_token,
        )
    )["addTrustedIssuer"]
    assert payload["userErrors"][0]["code"] == "INVALID_JWKS"
    assert "public keys only" in payload["userErrors"][0]["message"]


async def test_the_same_issuer_twice_and_http_outside_development(
    gql: GraphQL, provider: IdentityProvider, settings: Settings, tmp_path: Path
) -> None:
    owner = await sign_up(gql)
    await trust(gql, owner, provider)
    again = (await gql(ADD, {"input": trust_input(provider)}, token=owner.access_token))["addTrustedIssuer"]
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [("issuer", "ISSUER_EXISTS")]
    async with own_app(settings, tmp_path, trusted_issuer_allow_http=False) as strict:
        other = await sign_up(strict)
        payload = (await strict(ADD, {"input": trust_input(provider)}, token=other.access_token))[
            "addTrustedIssuer"
        ]
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("issuer", "INVALID_ISSUER")]
        https = trust_input(provider, issuer="https://idp.example")
        payload = (await strict(ADD, {"input": https}, token=other.access_token))["addTrustedIssuer"]
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("jwksUrl", "INVALID_JWKS_URL")]


async def test_trusting_needs_roles_write_and_no_escalation(gql: GraphQL, provider: IdentityProvider) -> None:
    owner = await sign_up(gql)
    developer = await member_with_role(gql, owner, "developer")
    errors = await gql.errors(ADD, {"input": trust_input(provider)}, token=developer.access_token)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    admin = await member_with_role(gql, owner, "admin")  # admin lacks billing:write, which owner grants
    payload = (
        await gql(
            ADD,
            {"input": trust_input(provider, allowedRoles=["owner"], defaultRoles=[])},
            token=admin.access_token,
        )
    )["addTrustedIssuer"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        ("allowedRoles", "PERMISSION_ESCALATION")
    ]
    anonymous = await gql.errors(ADD, {"input": trust_input(provider)})
    assert anonymous[0]["extensions"]["code"] == "UNAUTHENTICATED"


# ---------------------------------------------------------------- managing trusts


async def test_update_and_remove_take_effect_at_once(gql: GraphQL, provider: IdentityProvider) -> None:
    owner = await sign_up(gql)
    registered = await trust(gql, owner, provider)
    token = provider.token(roles=["developer"])
    assert "packages:publish" in (await gql(VIEWER, token=token))["viewer"]["permissions"]

    narrowed = trust_input(provider, allowedRoles=["viewer"])
    payload = (
        await gql(
            UPDATE,
            {"input": {"trustedIssuerId": registered["id"], "trust": narrowed}},
            token=owner.access_token,
        )
    )["updateTrustedIssuer"]
    assert payload["userErrors"] == [] and payload["trustedIssuer"]["allowedRoles"] == ["viewer"]
    assert (await refused(gql, token))["extensions"]["reason"] == "ROLE_NOT_ALLOWED"

    removed = (await gql(REMOVE, {"input": {"trustedIssuerId": registered["id"]}}, token=owner.access_token))[
        "removeTrustedIssuer"
    ]
    assert removed == {"removedTrustedIssuerId": registered["id"], "userErrors": []}
    assert (await refused(gql, provider.token()))["extensions"]["reason"] == "ISSUER_NOT_TRUSTED"
    again = (await gql(REMOVE, {"input": {"trustedIssuerId": registered["id"]}}, token=owner.access_token))[
        "removeTrustedIssuer"
    ]
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [("trustedIssuerId", "NOT_FOUND")]


async def test_another_tenants_trusts_are_not_found(gql: GraphQL, provider: IdentityProvider) -> None:
    owner, stranger = await sign_up(gql), await sign_up(gql)
    registered = await trust(gql, owner, provider)
    assert (await gql(NODE, {"id": registered["id"]}, token=owner.access_token))["node"][
        "issuer"
    ] == provider.issuer
    assert (await gql(NODE, {"id": registered["id"]}, token=stranger.access_token))["node"] is None
    listed = await gql(LIST, {"slug": owner.organization_slug}, token=stranger.access_token)
    assert listed["organization"] is None
    for document in (REMOVE, UPDATE):
        variables: dict[str, Any] = {"trustedIssuerId": registered["id"]}
        if document is UPDATE:
            variables["trust"] = trust_input(provider)
        payload = next(
            iter((await gql(document, {"input": variables}, token=stranger.access_token)).values())
        )
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("trustedIssuerId", "NOT_FOUND")]
    listed = await gql(LIST, {"slug": owner.organization_slug}, token=owner.access_token)
    assert [t["id"] for t in listed["organization"]["trustedIssuers"]] == [registered["id"]]


# ---------------------------------------------------------------- helpers


class own_app:
    """A second app on the same database with settings of its own (timeouts, refresh interval, http)."""

    def __init__(self, settings: Settings, home: Path, **overrides: Any) -> None:
        assert settings.master_key is not None
        self.app = create_app(
            make_settings(
                settings.database_url, home, master_key=settings.master_key.get_secret_value(), **overrides
            )
        )

    async def __aenter__(self) -> GraphQL:
        self._lifespan = self.app.router.lifespan_context(self.app)
        await self._lifespan.__aenter__()
        transport = httpx.ASGITransport(app=self.app, client=("127.0.0.1", 40001))
        self._http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        return GraphQL(self._http)

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()
        await self._lifespan.__aexit__(*exc)


# ---------------------------------------------------------------- JWKS URLs off private networks


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fd00::1", False),
        ("fe80::1%eth0", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
    ],
)
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert outbound.is_public(address) is public


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/jwks",
        "http://10.0.0.5/.well-known/jwks.json",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:9000/jwks",
        "http://[::ffff:10.0.0.1]/jwks",
    ],
)
async def test_a_jwks_url_on_a_private_address_is_refused_outside_development(
    provider: IdentityProvider, settings: Settings, tmp_path: Path, url: str
) -> None:
    strictness = {"trusted_issuer_allow_http": True, "trusted_issuer_allow_private_addresses": False}
    async with own_app(settings, tmp_path, **strictness) as strict:
        owner = await sign_up(strict)
        payload = (
            await strict(ADD, {"input": trust_input(provider, jwksUrl=url)}, token=owner.access_token)
        )["addTrustedIssuer"]
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("jwksUrl", "INVALID_JWKS_URL")]
        assert "private, loopback or link-local" in payload["userErrors"][0]["message"]
        listed = await strict(LIST, {"slug": owner.organization_slug}, token=owner.access_token)
        assert listed["organization"]["trustedIssuers"] == []  # nothing half-written


async def test_a_name_resolving_to_a_private_address_is_never_connected_to(
    provider: IdentityProvider, settings: Settings, tmp_path: Path
) -> None:
    """`localhost` passes registration (a name), but resolves to loopback: the fetch refuses it before
    connecting, so the identity provider listening there never sees a request."""
    by_name = provider.jwks_url.replace("127.0.0.1", "localhost")
    strictness = {"trusted_issuer_allow_http": True, "trusted_issuer_allow_private_addresses": False}
    async with own_app(settings, tmp_path, **strictness) as strict:
        owner = await sign_up(strict)
        await trust(strict, owner, provider, jwksUrl=by_name)
        error = await refused(strict, provider.token(), status=503)
        assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "reason": "ISSUER_UNAVAILABLE"}
        assert "resolves to a non-public address" in error["message"]
    assert provider.jwks_requests == 0
    # the same registration in development (private addresses allowed) fetches the keys and accepts the token
    async with own_app(settings, tmp_path / "dev", trusted_issuer_allow_http=True) as dev:
        owner = await sign_up(dev)
        await trust(dev, owner, provider, jwksUrl=by_name)
        # (two organizations of this database trust the issuer now: the header picks one)
        pick = {"X-Atom-Organization": owner.organization_slug or ""}
        viewer = (await dev(VIEWER, token=provider.token(), **pick))["viewer"]
        assert viewer["organization"]["slug"] == owner.organization_slug
    assert provider.jwks_requests == 1
