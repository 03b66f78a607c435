"""A real identity provider for the trusted-issuer tests: signing keys of its own, a JWKS endpoint served
over HTTP on 127.0.0.1 (counting its requests, able to fail), tokens minted like an OIDC provider's,
and the GraphQL call that makes an organization trust it."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from tests.conftest import LiveServer
from tests.helpers import Account, GraphQL


class SigningKey:
    def __init__(self, algorithm: str = "RS256") -> None:
        self.algorithm = algorithm
        self.kid = uuid.uuid4().hex[:12]
        if algorithm.startswith(("RS", "PS")):
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            public = jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            self.private = ec.generate_private_key(ec.SECP256R1())
            public = jwt.algorithms.ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.public_jwk: dict[str, Any] = {**public, "kid": self.kid, "use": "sig", "alg": algorithm}


class IdentityProvider:
    """An issuer whose JWKS is served at `jwks_url`; `keys` is what it publishes right now."""

    def __init__(self) -> None:
        self.key = SigningKey()
        self.keys: list[SigningKey] = [self.key]
        self.jwks_requests = 0
        self.status = 200
        app = FastAPI()

        @app.get("/.well-known/jwks.json")
        def jwks() -> JSONResponse:
            self.jwks_requests += 1
            return JSONResponse({"keys": [k.public_jwk for k in self.keys]}, status_code=self.status)

        self.server = LiveServer(app)
        self.issuer = f"http://127.0.0.1:{self.server.port}/realms/acme"
        self.jwks_url = f"{self.server.url}/.well-known/jwks.json"

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.public_jwk for k in self.keys]}

    def token(
        self,
        *,
        audience: str = "atom",
        key: SigningKey | None = None,
        issuer: str | None = None,
        lifetime: int = 300,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        key = key or self.key
        now = int(time.time())
        body = {
            "iss": issuer or self.issuer,
            "aud": audience,
            "sub": claims.pop("sub", f"svc-{uuid.uuid4().hex[:8]}"),
            "iat": now,
            "exp": now + lifetime,
            **claims,
        }
        header = {k: v for k, v in {"kid": key.kid, **(headers or {})}.items() if v is not None}
        return jwt.encode(body, key.private, algorithm=key.algorithm, headers=header)


@contextmanager
def identity_provider() -> Iterator[IdentityProvider]:
    provider = IdentityProvider()
    provider.server.start()
    try:
        yield provider
    finally:
        provider.server.stop()


@contextmanager
def silent_endpoint() -> Iterator[str]:
    """A URL whose server accepts the connection and never answers (a hung JWKS endpoint)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/.well-known/jwks.json"


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (a JWKS endpoint that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/.well-known/jwks.json"


ADD = """
mutation Add($input: TrustedIssuerInput!) {
  addTrustedIssuer(input: $input) {
    trustedIssuer { id issuer jwksUrl audience identity allowedRoles defaultRoles requiredClaims { claim value } }
    userErrors { field message code }
  }
}
"""


def trust_input(provider: IdentityProvider, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Acme SSO",
        "issuer": provider.issuer,
        "jwksUrl": provider.jwks_url,
        "audience": "atom",
        "allowedRoles": ["viewer", "developer"],
        "defaultRoles": ["viewer"],
    }
    values.update(overrides)
    return values


async def trust(gql: GraphQL, owner: Account, provider: IdentityProvider, **overrides: Any) -> dict[str, Any]:
    payload = (await gql(ADD, {"input": trust_input(provider, **overrides)}, token=owner.access_token))[
        "addTrustedIssuer"
    ]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["trustedIssuer"]  # type: ignore[no-any-return]
