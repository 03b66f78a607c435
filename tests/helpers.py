"""Test helpers: a GraphQL client over httpx and builders of accounts, organizations and keys."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "correct horse battery staple 42"


class GraphQL:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None, **headers: str
    ) -> httpx.Response:
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None, **headers: str
    ) -> dict[str, Any]:
        """Run and return `data`, failing the test on any top-level error."""
        response = await self.raw(query, variables, token=token, **headers)
        body = response.json()
        assert response.status_code == 200, body
        assert not body.get("errors"), body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    async def errors(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None, **headers: str
    ) -> list[dict[str, Any]]:
        """Run and return the top-level errors, failing the test if there are none."""
        response = await self.raw(query, variables, token=token, **headers)
        assert response.status_code < 500, response.text
        body = response.json()
        assert body.get("errors"), body
        return body["errors"]  # type: ignore[no-any-return]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def unique_email(prefix: str = "user") -> str:
    return f"{unique(prefix)}@example.com"


SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    session { accessToken refreshToken user { id email } organization { id slug } }
    userErrors { field message code }
  }
}
"""

LOG_IN = """
mutation LogIn($input: LogInInput!) {
  logIn(input: $input) {
    session { accessToken refreshToken user { id email } organization { id slug } }
    userErrors { field message code }
  }
}
"""

INVITE = """
mutation Invite($input: InviteMemberInput!) {
  inviteMember(input: $input) { invitation { id status } token userErrors { field message code } }
}
"""

ACCEPT = """
mutation Accept($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) { membership { id roles } userErrors { field message code } }
}
"""

CREATE_API_KEY = """
mutation CreateKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { apiKey { id prefix scopes roles } secret userErrors { field message code } }
}
"""


@dataclass
class Account:
    email: str
    password: str
    user_id: str
    access_token: str
    refresh_token: str
    organization_id: str | None
    organization_slug: str | None


def _account(email: str, session: dict[str, Any]) -> Account:
    org = session["organization"]
    return Account(
        email=email,
        password=PASSWORD,
        user_id=session["user"]["id"],
        access_token=session["accessToken"],
        refresh_token=session["refreshToken"],
        organization_id=org["id"] if org else None,
        organization_slug=org["slug"] if org else None,
    )


async def sign_up(gql: GraphQL, *, with_organization: bool = True, prefix: str = "user") -> Account:
    """A new user; with its own new organization (as owner) unless told otherwise."""
    email = unique_email(prefix)
    variables: dict[str, Any] = {"email": email, "password": PASSWORD, "displayName": prefix}
    if with_organization:
        variables["organizationName"] = f"Org of {prefix}"
        variables["organizationSlug"] = unique("org")
    data = await gql(SIGN_UP, {"input": variables})
    payload = data["signUp"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return _account(email, payload["session"])


async def log_in(gql: GraphQL, email: str, organization_slug: str | None = None) -> Account:
    variables: dict[str, Any] = {"email": email, "password": PASSWORD}
    if organization_slug:
        variables["organizationSlug"] = organization_slug
    payload = (await gql(LOG_IN, {"input": variables}))["logIn"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return _account(email, payload["session"])


async def member_with_role(gql: GraphQL, owner: Account, role: str, prefix: str | None = None) -> Account:
    """A new user who joined `owner`'s organization with `role`, logged in to act for it."""
    newcomer = await sign_up(gql, with_organization=False, prefix=prefix or role)
    invite = (
        await gql(INVITE, {"input": {"email": newcomer.email, "role": role}}, token=owner.access_token)
    )["inviteMember"]
    assert invite["userErrors"] == [], invite["userErrors"]
    accepted = (await gql(ACCEPT, {"input": {"token": invite["token"]}}, token=newcomer.access_token))[
        "acceptInvitation"
    ]
    assert accepted["userErrors"] == [], accepted["userErrors"]
    return await log_in(gql, newcomer.email, owner.organization_slug)


async def api_key(
    gql: GraphQL, owner: Account, *, scopes: list[str], roles: list[str] | None = None, **extra: Any
) -> tuple[str, str]:
    """(API key id, secret) in `owner`'s organization."""
    variables = {"name": unique("key"), "scopes": scopes, "roles": roles or ["developer"], **extra}
    payload = (await gql(CREATE_API_KEY, {"input": variables}, token=owner.access_token))["createApiKey"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["apiKey"]["id"], payload["secret"]


def atom_command() -> list[str]:
    script = Path(sys.executable).parent / "atom"
    return [str(script)] if script.exists() else [sys.executable, "-m", "server.cli"]


def run_seed(home: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATOM_")}
    env.update({"ATOM_HOME": str(home), "ATOM_DATABASE_URL": database_url})
    return subprocess.run(
        [*atom_command(), "seed", "--demo"],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
