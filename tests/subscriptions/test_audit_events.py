"""auditEvents: new entries of the caller's chain as they commit, filtered, for audit:read only, and
ended when that permission goes away mid-stream."""

from __future__ import annotations

import asyncio

import pytest

from domain.audit import service as audit_service
from resolvers.ids import from_global_id
from tests.conftest import LiveServer
from tests.helpers import GraphQL, api_key, member_with_role, sign_up
from tests.subscriptions.client import codes, connected, signed_in

AUDIT_EVENTS = """
subscription($filter: AuditLogFilter) {
  auditEvents(filter: $filter) { id chain sequence actor action decision outcome risk target entryHash prevHash }
}
"""
LOG = "{ auditLog(last: 1) { nodes { id sequence entryHash } } }"
CREATE_ROLE = """
mutation($input: CreateRoleInput!) { createRole(input: $input) { role { name } userErrors { code } } }
"""
UNASSIGN = """
mutation($input: RoleAssignmentInput!) { unassignRole(input: $input) { userErrors { code } } }
"""


def pk(global_id: str) -> str:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return str(decoded[1])


async def test_entries_arrive_as_they_commit_with_their_stored_hash(
    server: LiveServer, live_gql: GraphQL
) -> None:
    owner = await sign_up(live_gql, prefix="auditor")
    stranger = await sign_up(live_gql, prefix="stranger")
    async with (
        signed_in(server, owner.access_token) as mine,
        signed_in(server, stranger.access_token) as theirs,
    ):
        await mine.start("a", AUDIT_EVENTS)
        await mine.start("high", AUDIT_EVENTS, {"filter": {"minimumRisk": "HIGH"}})
        await theirs.start("a", AUDIT_EVENTS)
        made = await live_gql(
            CREATE_ROLE, {"input": {"name": "auditors", "permissions": []}}, token=owner.access_token
        )
        assert made["createRole"]["userErrors"] == []
        entry = (await mine.data("a"))["auditEvents"]
        stored = (await live_gql(LOG, token=owner.access_token))["auditLog"]["nodes"][0]
        assert (entry["id"], entry["sequence"], entry["entryHash"]) == (
            stored["id"],
            stored["sequence"],
            stored["entryHash"],
        )
        assert (entry["action"], entry["decision"], entry["outcome"], entry["risk"]) == (
            "createRole",
            "ALLOW",
            "SUCCEEDED",
            "MEDIUM",
        )
        # A HIGH action reaches both of the owner's streams; the MEDIUM one only the first.
        await live_gql(
            "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { userErrors { code } } }",
            {"i": {"name": "ci", "scopes": ["organization:read"], "roles": ["viewer"]}},
            token=owner.access_token,
        )
        assert (await mine.data("high"))["auditEvents"]["action"] == "createApiKey"
        assert (await mine.data("a"))["auditEvents"]["action"] == "createApiKey"
        # The stranger's stream saw none of it: its own chain had nothing new.
        await live_gql(
            CREATE_ROLE, {"input": {"name": "own", "permissions": []}}, token=stranger.access_token
        )
        assert (await theirs.data("a"))["auditEvents"]["chain"] != entry["chain"]


async def test_without_audit_read_the_subscription_is_refused(server: LiveServer, live_gql: GraphQL) -> None:
    owner = await sign_up(live_gql, prefix="owner")
    developer = await member_with_role(live_gql, owner, "developer")
    async with signed_in(server, developer.access_token) as client:
        await client.subscribe("a", AUDIT_EVENTS)
        assert codes(await client.ending("a")) == ["FORBIDDEN"]
        await client.subscribe("p", AUDIT_EVENTS, {"filter": {"platform": True}})
        assert codes(await client.ending("p")) == ["FORBIDDEN"]
    # Each refusal is audited in the organization's chain, like a refused read.
    log = await live_gql(
        "{ auditLog(last: 2) { nodes { action actor decision outcome reason } } }", token=owner.access_token
    )
    refused = log["auditLog"]["nodes"]
    assert [(e["action"], e["decision"], e["outcome"], e["reason"]) for e in refused] == [
        ("subscribe:auditEvents", "DENY", "DENIED", "FORBIDDEN")
    ] * 2
    assert {e["actor"] for e in refused} == {f"user:{pk(developer.user_id)}"}


async def test_losing_the_role_mid_stream_ends_the_stream(server: LiveServer, live_gql: GraphQL) -> None:
    owner = await sign_up(live_gql, prefix="owner")
    admin = await member_with_role(live_gql, owner, "admin")
    async with signed_in(server, admin.access_token) as client:
        await client.start("a", AUDIT_EVENTS)
        await live_gql(CREATE_ROLE, {"input": {"name": "first", "permissions": []}}, token=owner.access_token)
        assert (await client.data("a"))["auditEvents"]["action"] == "createRole"
        removed = await live_gql(
            UNASSIGN,
            {"input": {"subjectId": admin.user_id, "role": "admin"}},
            token=owner.access_token,
        )
        assert removed["unassignRole"]["userErrors"] == []
        # The entry of the revocation itself, or the next one, is checked against the new rules.
        await live_gql(
            CREATE_ROLE, {"input": {"name": "second", "permissions": []}}, token=owner.access_token
        )
        assert codes(await client.ending("a")) == ["FORBIDDEN"]


async def test_a_revoked_key_refused_at_connection_init_is_audited(
    server: LiveServer, live_gql: GraphQL
) -> None:
    owner = await sign_up(live_gql, prefix="owner")
    key_id, secret = await api_key(live_gql, owner, scopes=["audit:read"], roles=["admin"])
    revoke = "mutation($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { userErrors { code } } }"
    assert (await live_gql(revoke, {"id": key_id}, token=owner.access_token))["revokeApiKey"][
        "userErrors"
    ] == []
    async with connected(server) as client:
        await client.send({"type": "connection_init", "payload": {"apiKey": secret}})
        assert (await client.closed()).code == 4403
    log = await live_gql(
        "{ auditLog(last: 1) { nodes { action actor decision reason } } }", token=owner.access_token
    )
    assert log["auditLog"]["nodes"] == [
        {
            "action": "authenticate",
            "actor": f"apikey:{pk(key_id)}",
            "decision": "DENY",
            "reason": "API_KEY_REVOKED",
        }
    ]


# ---------------------------------------------------------------- resuming after a sequence number

AUDIT_EVENTS_AFTER = """
subscription($filter: AuditLogFilter, $after: Int) {
  auditEvents(filter: $filter, afterSequence: $after) { id sequence action risk }
}
"""
NEWEST = "{ auditLog(last: 1) { nodes { sequence } } }"


async def newest_sequence(gql: GraphQL, token: str) -> int:
    return int((await gql(NEWEST, token=token))["auditLog"]["nodes"][0]["sequence"])


async def create_roles(gql: GraphQL, token: str, names: list[str]) -> None:
    for name in names:
        made = await gql(CREATE_ROLE, {"input": {"name": name, "permissions": []}}, token=token)
        assert made["createRole"]["userErrors"] == []


async def test_after_a_sequence_the_entries_committed_since_come_first_then_new_ones(
    server: LiveServer, live_gql: GraphQL
) -> None:
    owner = await sign_up(live_gql, prefix="resumer")
    read_up_to = await newest_sequence(live_gql, owner.access_token)
    # Committed after the client's read and before it subscribed: a plain stream would miss them.
    await create_roles(live_gql, owner.access_token, ["missed-1", "missed-2"])
    async with signed_in(server, owner.access_token) as client:
        await client.subscribe("a", AUDIT_EVENTS_AFTER, {"after": read_up_to})
        replayed = [(await client.data("a"))["auditEvents"] for _ in range(2)]
        assert [e["sequence"] for e in replayed] == [read_up_to + 1, read_up_to + 2]
        assert [e["action"] for e in replayed] == ["createRole", "createRole"]
        await create_roles(live_gql, owner.access_token, ["live"])
        assert (await client.data("a"))["auditEvents"]["sequence"] == read_up_to + 3


async def test_entries_committed_while_subscribing_arrive_once_each_in_order(
    server: LiveServer, live_gql: GraphQL
) -> None:
    """Entries commit while the stream starts (some before the replay's read, some between the bus
    and that read, some after): each arrives once, in chain order."""
    owner = await sign_up(live_gql, prefix="racer")
    read_up_to = await newest_sequence(live_gql, owner.access_token)
    count = 30
    async with signed_in(server, owner.access_token) as client:
        writing = asyncio.create_task(
            create_roles(live_gql, owner.access_token, [f"race-{n}" for n in range(count)])
        )
        await asyncio.sleep(0.05)
        await client.subscribe("a", AUDIT_EVENTS_AFTER, {"after": read_up_to})
        await writing
        sequences = [(await client.data("a"))["auditEvents"]["sequence"] for _ in range(count)]
        assert sequences == list(range(read_up_to + 1, read_up_to + count + 1))
        # nothing more: a next entry is the next one sent (no repeat of an earlier one first)
        await create_roles(live_gql, owner.access_token, ["after-race"])
        assert (await client.data("a"))["auditEvents"]["sequence"] == read_up_to + count + 1


async def test_resuming_keeps_the_filter(server: LiveServer, live_gql: GraphQL) -> None:
    owner = await sign_up(live_gql, prefix="filtered")
    read_up_to = await newest_sequence(live_gql, owner.access_token)
    await create_roles(live_gql, owner.access_token, ["medium"])  # MEDIUM: not sent
    await api_key(live_gql, owner, scopes=["organization:read"], roles=["viewer"])  # HIGH
    async with signed_in(server, owner.access_token) as client:
        await client.subscribe(
            "h", AUDIT_EVENTS_AFTER, {"after": read_up_to, "filter": {"minimumRisk": "HIGH"}}
        )
        first = (await client.data("h"))["auditEvents"]
        assert (first["action"], first["risk"], first["sequence"]) == ("createApiKey", "HIGH", read_up_to + 2)


async def test_bad_resume_points_are_refused(
    server: LiveServer, live_gql: GraphQL, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await sign_up(live_gql, prefix="badresume")
    async with signed_in(server, owner.access_token) as client:
        await client.subscribe("neg", AUDIT_EVENTS_AFTER, {"after": -1})
        errors = await client.ending("neg")
        assert codes(errors) == ["BAD_USER_INPUT"], errors
        assert errors[0]["extensions"]["field"] == "afterSequence"
        # More entries after it than a stream sends: read them first (auditLog, the export).
        start = await newest_sequence(live_gql, owner.access_token)
        await create_roles(live_gql, owner.access_token, ["one", "two", "three"])
        monkeypatch.setattr(audit_service, "REPLAY_LIMIT", 2)
        await client.subscribe("far", AUDIT_EVENTS_AFTER, {"after": start})
        errors = await client.ending("far")
        assert codes(errors) == ["BAD_USER_INPUT"], errors
        assert errors[0]["extensions"]["reason"] == "TOO_MANY_ENTRIES", errors
        assert errors[0]["extensions"]["field"] == "afterSequence"
        # and a resume point with few enough after it works under the same limit
        await client.subscribe(
            "near", AUDIT_EVENTS_AFTER, {"after": await newest_sequence(live_gql, owner.access_token)}
        )
        await create_roles(live_gql, owner.access_token, ["near"])
        assert (await client.data("near"))["auditEvents"]["action"] == "createRole"


async def test_a_live_entry_comes_with_its_target(server: LiveServer, live_gql: GraphQL) -> None:
    """`targetNode` resolves in the stream's event scope, as in `auditLog`."""
    owner = await sign_up(live_gql, prefix="auditor")
    targets = "subscription { auditEvents { action targetNode { __typename id ... on Role { name } } } }"
    async with signed_in(server, owner.access_token) as stream:
        await stream.start("a", targets)
        made = await live_gql(
            "mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id name } } }",
            {"input": {"name": "auditors", "permissions": []}},
            token=owner.access_token,
        )
        entry = (await stream.data("a"))["auditEvents"]
    assert entry == {
        "action": "createRole",
        "targetNode": {"__typename": "Role", "id": made["createRole"]["role"]["id"], "name": "auditors"},
    }
