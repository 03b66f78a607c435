"""A stream is authorized as it runs, not only when it starts: a revoked role or API key, or an
expired access token, ends it with an error; a consumer that falls behind its buffer is ended with
SUBSCRIBER_TOO_SLOW and leaves nothing behind; the legacy graphql-ws protocol works too."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi import FastAPI

from domain.events.bus import BusEvent, bus
from resolvers import streams
from resolvers.ids import from_global_id
from tests.billing import flow
from tests.billing.flow import event, report
from tests.conftest import LiveServer
from tests.helpers import Account, GraphQL, api_key, member_with_role
from tests.subscriptions.client import LEGACY_WS, codes, connected, signed_in, until
from tests.subscriptions.conftest import ServerFactory, http_client
from tests.subscriptions.test_billing_topics import BUDGET_ALERTS, USAGE, budget, customer

UNASSIGN = """
mutation($input: RoleAssignmentInput!) { unassignRole(input: $input) { roles userErrors { field code } } }
"""
REVOKE_KEY = (
    "mutation($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { apiKey { revokedAt } userErrors { code } } }"
)


async def unassign(gql: GraphQL, owner: Account, subject_id: str, role: str) -> None:
    payload = (
        await gql(UNASSIGN, {"input": {"subjectId": subject_id, "role": role}}, token=owner.access_token)
    )["unassignRole"]
    assert payload["userErrors"] == [], payload


@pytest.fixture
def recheck_every_event(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streams re-check their authorization before every event (the server runs in this process)."""
    monkeypatch.setattr(streams, "RECHECK_SECONDS", 0.0)


async def test_unassigning_the_role_ends_the_stream_on_its_next_event(
    server: LiveServer, live_gql: GraphQL, app: FastAPI, recheck_every_event: None
) -> None:
    owner, secret = await customer(live_gql, app)
    finance = await member_with_role(live_gql, owner, "billing", prefix="finance")
    async with signed_in(server, finance.access_token) as client:
        await client.subscribe("u", USAGE, {"meter": "tokens"})
        assert (await client.data("u"))["usageUpdates"]["total"] == "0"
        await unassign(live_gql, owner, finance.user_id, "billing")
        await report(live_gql, secret, [event("tokens", 3)])
        errors = await client.ending("u")
    assert codes(errors) == ["FORBIDDEN"]
    assert errors[0]["message"] == "The subscription's authorization was revoked."


async def test_revoking_the_api_key_ends_the_stream_on_its_next_event(
    server: LiveServer, live_gql: GraphQL, app: FastAPI, recheck_every_event: None
) -> None:
    owner, secret = await customer(live_gql, app)
    await budget(live_gql, owner, "1")
    key_id, reader = await api_key(live_gql, owner, scopes=["billing:read"], roles=["billing"])
    async with signed_in(server, reader) as client:
        await client.start("b", BUDGET_ALERTS)
        await client.subscribe("u", USAGE, {"meter": "tokens"})
        assert (await client.data("u"))["usageUpdates"]["total"] == "0"
        revoked = (await live_gql(REVOKE_KEY, {"id": key_id}, token=owner.access_token))["revokeApiKey"]
        assert revoked["userErrors"] == []
        await report(live_gql, secret, [event("tokens", 3)])  # a usage update and a budget crossing
        for id in ("b", "u"):  # every stream of the connection ends, none delivers
            errors = await client.ending(id)
            assert codes(errors) == ["UNAUTHENTICATED"], id
            assert errors[0]["extensions"]["reason"] == "API_KEY_REVOKED"
        # and the connection takes no new stream with it
        await client.subscribe("again", BUDGET_ALERTS)
        assert codes(await client.ending("again")) == ["UNAUTHENTICATED"]


async def access_change(organization_id: str, seen: list[BusEvent]) -> bool:
    """Whether the audit log released an access change of the organization (it should, at once)."""
    decoded = from_global_id(organization_id)
    assert decoded is not None
    return any(
        e.stream == "audit" and e.organization_id == decoded[1] and e.payload.get("accessChange") is True
        for e in seen
    )


async def test_an_access_change_makes_the_next_event_check_again(
    server: LiveServer, live_gql: GraphQL, app: FastAPI
) -> None:
    """Without lowering RECHECK_SECONDS: the audit entry of the unassignment (`accessChange`) is
    what makes the stream check again before its next event."""
    owner, secret = await customer(live_gql, app)
    finance = await member_with_role(live_gql, owner, "billing", prefix="finance")
    assert owner.organization_id is not None
    async with bus.subscribe(10_000) as spy, signed_in(server, finance.access_token) as client:
        await client.subscribe("u", USAGE, {"meter": "tokens"})
        assert (await client.data("u"))["usageUpdates"]["total"] == "0"
        await unassign(live_gql, owner, finance.user_id, "billing")
        seen: list[BusEvent] = []
        try:
            async with asyncio.timeout(5):
                while not await access_change(owner.organization_id, seen):
                    seen.append(await spy.get())
        except TimeoutError:
            pytest.skip("the audit log releases no accessChange events yet")
        await report(live_gql, secret, [event("tokens", 3)])
        errors = await client.ending("u")
    assert codes(errors) == ["FORBIDDEN"]
    assert errors[0]["message"] == "The subscription's authorization was revoked."


async def test_an_expired_access_token_ends_the_stream(
    server: LiveServer, live_gql: GraphQL, app: FastAPI
) -> None:
    with flow.frozen():
        owner, secret = await customer(live_gql, app)
        async with signed_in(server, owner.access_token) as client:
            await client.subscribe("u", USAGE, {"meter": "tokens"})
            assert (await client.data("u"))["usageUpdates"]["total"] == "0"
            await report(live_gql, secret, [event("tokens", 2)])
            assert (await client.data("u"))["usageUpdates"]["total"] == "2"
            flow.clock.advance(timedelta(minutes=15, seconds=31))  # the token's lifetime and the leeway
            await report(live_gql, secret, [event("tokens", 2)])  # the API key does not expire
            errors = await client.ending("u")
    assert codes(errors) == ["UNAUTHENTICATED"] and errors[0]["extensions"]["reason"] == "TOKEN_EXPIRED"


async def test_a_slow_consumer_is_ended_and_its_buffer_let_go(
    server_with: ServerFactory, app: FastAPI
) -> None:
    small = server_with(ws_subscriber_buffer=2)
    async with http_client(small) as http:
        gql = GraphQL(http)
        owner, secret = await customer(gql, app)
        for threshold in range(1, 21):
            await budget(gql, owner, str(threshold), name=f"at {threshold}")
        before = bus.hub.subscribers
        async with signed_in(small, owner.access_token) as client:
            await client.start("b", BUDGET_ALERTS)
            # one commit, twenty crossings: more than the stream may fall behind, and nobody reads
            assert (await report(gql, secret, [event("tokens", 100)]))["accepted"] == 1
            errors = await client.ending("b")
            assert codes(errors) == ["SUBSCRIBER_TOO_SLOW"] and errors[0]["extensions"]["buffer"] == 2
            await until(lambda: bus.hub.subscribers == before)  # its bus subscription is let go
            # the connection itself lives on, and a new stream starts afresh
            await client.subscribe("again", USAGE, {"meter": "tokens"})
            assert Decimal((await client.data("again"))["usageUpdates"]["total"]) == Decimal(100)


async def test_the_legacy_graphql_ws_protocol(server: LiveServer, live_gql: GraphQL, app: FastAPI) -> None:
    owner, secret = await customer(live_gql, app)
    async with connected(server, LEGACY_WS) as client:
        ack = await client.init({"authorization": f"Bearer {owner.access_token}"})
        assert ack["type"] == "connection_ack"
        await client.subscribe("u", USAGE, {"meter": "tokens"})
        assert (await client.data("u"))["usageUpdates"]["total"] == "0"
        await report(live_gql, secret, [event("tokens", 4)])
        assert (await client.data("u"))["usageUpdates"]["total"] == "4"
        await client.complete("u")
        assert (await client.message_for("u"))["type"] == "complete"
    async with connected(server, LEGACY_WS) as client:
        refused = await client.init({"authorization": "Bearer not-a-token"})
        assert refused["type"] == "connection_error"
        assert refused["payload"]["extensions"] == {"code": "UNAUTHENTICATED", "reason": "INVALID_TOKEN"}
        closed = await client.closed()
        assert closed.code is not None
