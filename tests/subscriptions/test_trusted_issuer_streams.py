"""Streams of a trusted issuer's token: the organization named in `connection_init` when several trust
the issuer, events of that organization only, and the stream ended when the trust is removed."""

from __future__ import annotations

from tests.auth.oidc import identity_provider, trust
from tests.conftest import LiveServer
from tests.helpers import GraphQL, sign_up
from tests.subscriptions.client import codes, connected
from tests.subscriptions.test_audit_events import AUDIT_EVENTS, CREATE_ROLE, pk

REMOVE = """
mutation($input: RemoveTrustedIssuerInput!) { removeTrustedIssuer(input: $input) { userErrors { code } } }
"""


async def test_a_federated_stream_follows_its_trust(server: LiveServer, live_gql: GraphQL) -> None:
    first, second = await sign_up(live_gql), await sign_up(live_gql)
    with identity_provider() as provider:
        registered = await trust(live_gql, first, provider, allowedRoles=["admin"], defaultRoles=["admin"])
        await trust(live_gql, second, provider, allowedRoles=["viewer"], defaultRoles=["viewer"])
        token = provider.token(sub="auditor-bot")
        async with connected(server) as refused:
            # Two organizations trust the issuer and the payload names neither: refused.
            await refused.send({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
            closed = await refused.closed()
            assert (closed.code, closed.reason) == (4403, "Forbidden")
        async with connected(server) as client:
            ack = await client.init(
                {"authorization": f"Bearer {token}", "organization": first.organization_slug}
            )
            assert ack["type"] == "connection_ack", ack
            await client.start("a", AUDIT_EVENTS)
            await live_gql(
                CREATE_ROLE, {"input": {"name": "seen", "permissions": []}}, token=second.access_token
            )
            await live_gql(
                CREATE_ROLE, {"input": {"name": "seen", "permissions": []}}, token=first.access_token
            )
            entry = (await client.data("a"))["auditEvents"]
            assert first.organization_id is not None
            assert (entry["action"], entry["chain"]) == ("createRole", f"org:{pk(first.organization_id)}")
            removed = await live_gql(
                REMOVE, {"input": {"trustedIssuerId": registered["id"]}}, token=first.access_token
            )
            assert removed["removeTrustedIssuer"]["userErrors"] == []
            assert codes(await client.ending("a")) == ["UNAUTHENTICATED"]
