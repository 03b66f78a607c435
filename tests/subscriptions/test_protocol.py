"""The WebSocket protocol's bad input and limits, each refused with its code: no or bad credentials
(4403), malformed messages (4400), subscribing before the ack (4401), no `connection_init` (4408),
duplicate ids (4409), a second `connection_init` and floods of connections (4429), too many
subscriptions (an `error` with TOO_MANY_SUBSCRIPTIONS), and operations that are not subscriptions."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from domain.clock import clock
from tests.billing import flow
from tests.conftest import LiveServer
from tests.helpers import GraphQL, api_key, sign_up
from tests.subscriptions.client import LEGACY_WS, POLL, TRANSPORT_WS, codes, connected, signed_in
from tests.subscriptions.conftest import ServerFactory, http_client

BUDGETS = "subscription { budgetAlerts { name } }"
ACTIVITY = "subscription { marketplaceActivity { occurredAt } }"
REVOKE_KEY = (
    "mutation($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { apiKey { revokedAt } userErrors { code } } }"
)


async def refused_at_init(server: LiveServer, payload: Any) -> tuple[int | None, str]:
    async with connected(server) as client:
        await client.send({"type": "connection_init", "payload": payload})
        closed = await client.closed()
        return closed.code, closed.reason


async def test_a_connection_without_credentials_is_refused_with_4403(server: LiveServer) -> None:
    async with connected(server) as client:
        await client.send({"type": "connection_init"})
        closed = await client.closed()
    assert (closed.code, closed.reason) == (4403, "Forbidden")
    assert await refused_at_init(server, {}) == (4403, "Forbidden")
    assert await refused_at_init(server, None) == (4403, "Forbidden")


@pytest.mark.parametrize(
    "payload",
    [
        {"authorization": "Bearer not-a-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"authorization": "Bearer "},
        {"token": 42},
        {"token": "atom_nope_nope"},
        {"apiKey": "atom_abc_" + "x" * 40},
        {"token": "x" * 5000},
    ],
    ids=["garbage", "basic", "empty", "not-a-string", "bad-key", "unknown-key", "huge"],
)
async def test_a_bad_credential_is_refused_with_4403(server: LiveServer, payload: dict[str, Any]) -> None:
    assert await refused_at_init(server, payload) == (4403, "Forbidden")


async def test_an_expired_token_or_a_revoked_key_is_refused_with_4403(
    server: LiveServer, live_gql: GraphQL
) -> None:
    with flow.frozen():
        owner = await sign_up(live_gql, prefix="expiring")
        key_id, secret = await api_key(live_gql, owner, scopes=["billing:read"], roles=["billing"])
        revoked = (await live_gql(REVOKE_KEY, {"id": key_id}, token=owner.access_token))["revokeApiKey"]
        assert revoked["userErrors"] == []
        clock.advance(timedelta(minutes=15, seconds=31))  # the token's lifetime and the leeway
        assert await refused_at_init(server, {"authorization": f"Bearer {owner.access_token}"}) == (
            4403,
            "Forbidden",
        )
        assert await refused_at_init(server, {"apiKey": secret}) == (4403, "Forbidden")


async def test_every_accepted_credential_shape_gets_an_ack(server: LiveServer, live_gql: GraphQL) -> None:
    owner = await sign_up(live_gql, prefix="shapes")
    _, secret = await api_key(live_gql, owner, scopes=["billing:read"], roles=["billing"])
    for payload in (
        {"authorization": f"Bearer {owner.access_token}"},
        {"Authorization": f"bearer {secret}"},
        {"token": owner.access_token},
        {"token": secret},
        {"apiKey": secret},
    ):
        async with connected(server) as client:
            assert (await client.init(payload))["type"] == "connection_ack", payload


@pytest.mark.parametrize(
    "message",
    [
        "not json",
        b"\x00\x01binary",
        "[1, 2, 3]",
        '"a string"',
        {"payload": {}},
        {"type": 7},
        {"type": "no_such_type"},
        {"type": "subscribe", "id": "1"},
        {"type": "subscribe", "id": "1", "payload": "subscription { budgetAlerts { name } }"},
        {"type": "subscribe", "id": 1, "payload": {"query": BUDGETS}},
        {"type": "subscribe", "id": ["1"], "payload": {"query": BUDGETS}},
        {"type": "subscribe", "id": "1", "payload": {"query": 42}},
        {"type": "subscribe", "id": "1", "payload": {"query": BUDGETS, "variables": [1]}},
        {"type": "subscribe", "id": "x" * 300, "payload": {"query": BUDGETS}},
        {"type": "complete"},
    ],
)
async def test_a_malformed_message_closes_with_4400(
    server: LiveServer, live_gql: GraphQL, message: Any
) -> None:
    owner = await sign_up(live_gql, prefix="malformed")
    async with signed_in(server, owner.access_token) as client:
        await client.send(message)
        closed = await client.closed()
    assert closed.code == 4400, closed


async def test_a_bad_connection_init_payload_closes_with_4400(server: LiveServer) -> None:
    assert (await refused_at_init(server, "token"))[0] == 4400
    assert (await refused_at_init(server, [1]))[0] == 4400


async def test_a_subscription_before_the_ack_closes_with_4401(server: LiveServer) -> None:
    async with connected(server) as client:
        await client.subscribe("1", BUDGETS)
        closed = await client.closed()
    assert (closed.code, closed.reason) == (4401, "Unauthorized")


async def test_a_duplicate_subscription_id_closes_with_4409(server: LiveServer, live_gql: GraphQL) -> None:
    owner = await sign_up(live_gql, prefix="duplicate")
    async with signed_in(server, owner.access_token) as client:
        await client.subscribe("same", BUDGETS)
        await client.subscribe("same", BUDGETS)
        closed = await client.closed()
    assert (closed.code, closed.reason) == (4409, "Subscriber for same already exists")


async def test_a_second_connection_init_closes_with_4429(server: LiveServer, live_gql: GraphQL) -> None:
    owner = await sign_up(live_gql, prefix="twice")
    async with signed_in(server, owner.access_token) as client:
        await client.send({"type": "connection_init", "payload": {"token": owner.access_token}})
        closed = await client.closed()
    assert (closed.code, closed.reason) == (4429, "Too many initialisation requests")


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_connection_that_never_initialises_closes_with_4408(
    server_with: ServerFactory, protocol: str
) -> None:
    quick = server_with(ws_connection_init_timeout_seconds=0.3)
    async with connected(quick, protocol) as client:
        closed = await client.closed()
    assert (closed.code, closed.reason) == (4408, "Connection initialisation timeout")


async def answer_to_init(server: LiveServer, token: str) -> str | int | None:
    """`connection_ack`, or the code the server closed the connection with."""
    async with connected(server) as client:
        await client.send({"type": "connection_init", "payload": {"token": token}})
        try:
            return str((await client.receive())["type"])
        except ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd else None


async def test_a_flood_of_connections_from_one_client_is_refused_with_4429(
    server_with: ServerFactory,
) -> None:
    capped = server_with(ws_max_connections_per_client=3)
    async with http_client(capped) as http:
        owner = await sign_up(GraphQL(http), prefix="flood")
    async with (
        signed_in(capped, owner.access_token),
        signed_in(capped, owner.access_token),
        signed_in(capped, owner.access_token) as third,
    ):
        for _ in range(3):  # refused before anything else, over and over
            async with connected(capped) as refused:
                closed = await refused.closed()
            assert (closed.code, closed.reason) == (4429, "Too many connections")
        await third.connection.close()
        # the slot comes back once the server has seen the close
        answers = [await answer_to_init(capped, owner.access_token)]
        while answers[-1] == 4429 and len(answers) < 500:
            await asyncio.sleep(POLL)
            answers.append(await answer_to_init(capped, owner.access_token))
        assert answers[-1] == "connection_ack", answers


async def test_a_flood_of_subscriptions_is_refused_with_too_many_subscriptions(
    server_with: ServerFactory,
) -> None:
    capped = server_with(ws_max_subscriptions_per_connection=2)
    async with http_client(capped) as http:
        owner = await sign_up(GraphQL(http), prefix="subflood")
    async with signed_in(capped, owner.access_token) as client:
        await client.subscribe("1", BUDGETS)
        await client.subscribe("2", ACTIVITY)
        for extra in ("3", "4", "5"):
            await client.subscribe(extra, BUDGETS)
            refused = await client.message_for(extra)
            assert refused["type"] == "error", refused
            assert codes(refused["payload"]) == ["TOO_MANY_SUBSCRIPTIONS"]
            assert refused["payload"][0]["extensions"]["limit"] == 2
        # a completed subscription makes room at once (messages are handled in order): a refusal
        # would come before the pong
        await client.complete("1")
        await client.subscribe("6", BUDGETS)
        await client.send({"type": "ping"})
        assert await client.receive() == {"type": "pong"}


async def test_an_unknown_subprotocol_is_closed_with_4406(server: LiveServer) -> None:
    async with connected(server, "no-such-protocol") as client:
        closed = await client.closed()
    assert (closed.code, closed.reason) == (4406, "Subprotocol not acceptable")


async def test_queries_mutations_and_invalid_documents_are_refused_with_codes(
    server: LiveServer, live_gql: GraphQL
) -> None:
    owner = await sign_up(live_gql, prefix="operations")
    async with signed_in(server, owner.access_token) as client:
        cases = {
            "query": ("query { viewer { user { email } } }", "OPERATION_NOT_SUPPORTED"),
            "mutation": ('mutation { logOut(input: {refreshToken: "x"}) { userErrors { code } } }', None),
            "invalid": ("subscription { noSuchTopic }", "GRAPHQL_VALIDATION_FAILED"),
            "variables": (
                "subscription($m: String!) { usageUpdates(meter: $m) { total } }",
                "BAD_USER_INPUT",
            ),
            "two-fields": (
                "subscription { budgetAlerts { name } invoiceEvents { number } }",
                "GRAPHQL_VALIDATION_FAILED",
            ),
            "unknown-meter": ('subscription { usageUpdates(meter: "no-such") { total } }', "BAD_USER_INPUT"),
            "forbidden": ('subscription { usageUpdates(meter: "tokens") { total } }', None),
        }
        for id, (query, _) in cases.items():
            await client.subscribe(id, query)
        for id, (_, expected) in cases.items():
            message = await client.message_for(id)
            if id == "mutation":
                assert message["type"] == "error" and codes(message["payload"]) == ["OPERATION_NOT_SUPPORTED"]
            elif id == "forbidden":  # the owner holds billing:read: this one runs
                assert message["type"] == "next", message
            else:
                assert message["type"] == "error", (id, message)
                assert codes(message["payload"]) == [expected], (id, message)
        # a syntax error is a protocol error in graphql-transport-ws: the connection closes
        await client.subscribe("syntax", "subscription {")
        closed = await client.closed()
    assert closed.code == 4400, closed


async def test_a_subscription_over_http_is_refused_with_a_code(server: LiveServer, live_gql: GraphQL) -> None:
    owner = await sign_up(live_gql, prefix="http")
    response = await live_gql.raw(BUDGETS, token=owner.access_token)
    assert response.status_code < 500, response.text
    body = response.json()
    assert response.status_code == 400 and codes(body["errors"]) == ["OPERATION_NOT_SUPPORTED"], body
