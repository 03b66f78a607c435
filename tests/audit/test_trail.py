"""What the audit trail records: outcomes and decisions, actors, refused reads, input digests,
risk levels, tenant isolation, and `auditLog`'s filters, bad inputs and pages."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import rfc8785
from fastapi import FastAPI

from tests.audit.support import (
    AUDIT_LOG,
    CREATE_ROLE,
    audit_log,
    create_roles,
    log_entries,
    org_chain,
    request_id,
    rows_of_request,
    user_actor,
    uuid_of,
)
from tests.billing.flow import operator
from tests.helpers import CREATE_API_KEY, LOG_IN, GraphQL, api_key, member_with_role, sign_up, unique

GRANT = """
mutation($input: RolePermissionInput!) {
  grantPermission(input: $input) { role { id } userErrors { field code } }
}
"""
INVOICES = "query { invoices(first: 5) { totalCount } }"
PLATFORM_CHECKPOINT = """
mutation { createAuditCheckpoint(input: {platform: true}) { checkpoint { chain } userErrors { code } } }
"""
LOG_COUNT = "query($filter: AuditLogFilter) { auditLog(filter: $filter, first: 1) { totalCount } }"


async def the_entry(app: FastAPI, request: str) -> Any:
    rows = await rows_of_request(app, request)
    assert len(rows) == 1, [(r.action, r.chain) for r in rows]
    return rows[0]


async def test_sign_up_and_denied_read_are_audited(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    log = await log_entries(gql, owner.access_token)
    assert [e["action"] for e in log][:1] == ["signUp"]
    first = log[0]
    assert first["decision"] == "ALLOW" and first["outcome"] == "SUCCEEDED"
    assert first["sequence"] == 1 and first["prevHash"] == "0" * 64
    assert first["actor"] == user_actor(owner)
    assert first["chain"] == org_chain(owner)


# ---------------------------------------------------------------- outcomes and decisions


async def test_a_successful_mutation_is_allowed_and_succeeded(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    rid = request_id()
    payload = (
        await gql(
            CREATE_ROLE,
            {"input": {"name": unique("role")}},
            token=owner.access_token,
            **{"X-Request-ID": rid},
        )
    )["createRole"]
    [entry] = await log_entries(gql, owner.access_token, action="createRole")
    assert entry["decision"] == "ALLOW" and entry["outcome"] == "SUCCEEDED" and entry["reason"] is None
    assert entry["actor"] == user_actor(owner)
    assert entry["target"] == payload["role"]["id"]  # the payload's object: the input names no id
    assert entry["requestId"] == rid
    assert entry["clientAddress"] == "127.0.0.1"
    assert entry["risk"] == "MEDIUM"
    assert len(entry["inputDigest"]) == 64
    row = await the_entry(app, rid)
    assert row.entry_hash == entry["entryHash"] and row.organization_id == uuid_of(
        owner.organization_id or ""
    )


async def test_user_errors_are_allowed_but_rejected_with_their_codes(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    name = unique("role")
    await gql(CREATE_ROLE, {"input": {"name": name}}, token=owner.access_token)
    rid = request_id()
    again = (
        await gql(CREATE_ROLE, {"input": {"name": name}}, token=owner.access_token, **{"X-Request-ID": rid})
    )["createRole"]
    codes = sorted({e["code"] for e in again["userErrors"]})
    assert codes
    row = await the_entry(app, rid)
    assert (row.action, row.decision, row.outcome) == ("createRole", "ALLOW", "REJECTED")
    assert row.reason == ",".join(codes)
    [entry] = [
        e for e in await log_entries(gql, owner.access_token, action="createRole") if e["requestId"] == rid
    ]
    assert entry["risk"] == "LOW"  # one below createRole's MEDIUM: nothing changed


async def test_a_refused_mutation_is_denied(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    developer = await member_with_role(gql, owner, "developer")  # no roles:write
    rid = request_id()
    errors = await gql.errors(
        CREATE_ROLE,
        {"input": {"name": unique("role")}},
        token=developer.access_token,
        **{"X-Request-ID": rid},
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    row = await the_entry(app, rid)
    assert (row.action, row.decision, row.outcome, row.reason) == (
        "createRole",
        "DENY",
        "DENIED",
        "FORBIDDEN",
    )
    assert row.actor == user_actor(developer)
    assert row.chain == org_chain(owner)
    [entry] = [
        e for e in await log_entries(gql, owner.access_token, action="createRole") if e["requestId"] == rid
    ]
    assert entry["risk"] == "HIGH"  # one above MEDIUM


async def test_a_failed_log_in_is_denied_on_the_platform_chain(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    rid = request_id()
    payload = (
        await gql(
            LOG_IN,
            {"input": {"email": owner.email, "password": "wrong password 123"}},
            **{"X-Request-ID": rid},
        )
    )["logIn"]
    assert [e["code"] for e in payload["userErrors"]] == ["INVALID_CREDENTIALS"]
    row = await the_entry(app, rid)
    assert (row.action, row.decision, row.outcome) == ("logIn", "DENY", "DENIED")
    assert (row.chain, row.organization_id, row.actor) == ("platform", None, "anonymous")
    assert row.reason == "INVALID_CREDENTIALS"
    assert row.risk == 2  # MEDIUM: logIn is LOW, a denial at least MEDIUM
    # The platform operator reads it there.
    op = await operator(gql, app)
    found = await log_entries(gql, op.access_token, platform=True, action="logIn")
    assert rid in {e["requestId"] for e in found}


async def test_a_successful_log_in_is_the_user_acting(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    rid = request_id()
    variables = {
        "input": {
            "email": owner.email,
            "password": owner.password,
            "organizationSlug": owner.organization_slug,
        }
    }
    payload = (await gql(LOG_IN, variables, **{"X-Request-ID": rid}))["logIn"]
    assert payload["userErrors"] == []
    row = await the_entry(app, rid)
    assert (row.action, row.decision, row.outcome) == ("logIn", "ALLOW", "SUCCEEDED")
    assert row.actor == user_actor(owner)  # not "anonymous": the session is the user's
    assert row.chain == org_chain(owner)
    assert row.risk == 1  # LOW


async def test_a_log_in_is_in_the_chain_of_the_new_sessions_organization(gql: GraphQL, app: FastAPI) -> None:
    """docs/audit.md: "for sign-up and log-in, the organization of the new session". Also when the
    caller sends the token of another organization it belongs to (switching organizations): the
    organization logged in to must see who logged in to it."""
    owner = await sign_up(gql)
    slug = unique("second")
    created = (
        await gql(
            "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } userErrors { code } } }",
            {"input": {"name": "Second", "slug": slug}},
            token=owner.access_token,
        )
    )["createOrganization"]
    assert created["userErrors"] == []
    rid = request_id()
    variables = {"input": {"email": owner.email, "password": owner.password, "organizationSlug": slug}}
    payload = (await gql(LOG_IN, variables, token=owner.access_token, **{"X-Request-ID": rid}))["logIn"]
    assert payload["session"]["organization"]["id"] == created["organization"]["id"]
    row = await the_entry(app, rid)
    assert (row.action, row.actor, row.outcome) == ("logIn", user_actor(owner), "SUCCEEDED")
    assert row.chain == f"org:{uuid_of(created['organization']['id'])}"


async def test_an_api_key_is_the_actor_when_it_acts(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    key_id, secret = await api_key(gql, owner, scopes=["api_keys:write", "api_keys:read"])
    rid = request_id()
    payload = (
        await gql(
            CREATE_API_KEY,
            {"input": {"name": unique("key"), "scopes": ["api_keys:read"]}},
            **{"X-API-Key": secret, "X-Request-ID": rid},
        )
    )["createApiKey"]
    assert payload["userErrors"] == []
    row = await the_entry(app, rid)
    assert row.actor == f"apikey:{uuid_of(key_id)}"
    assert (row.action, row.decision, row.outcome, row.chain) == (
        "createApiKey",
        "ALLOW",
        "SUCCEEDED",
        org_chain(owner),
    )
    assert row.risk == 3  # HIGH
    assert row.target == payload["apiKey"]["id"]


# ---------------------------------------------------------------- refused reads


async def test_a_refused_read_of_an_authenticated_caller_is_audited(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    developer = await member_with_role(gql, owner, "developer")  # neither audit:read nor billing:read
    for document, action in ((AUDIT_LOG, "read:auditLog"), (INVOICES, "read:invoices")):
        rid = request_id()
        errors = await gql.errors(document, None, token=developer.access_token, **{"X-Request-ID": rid})
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
        row = await the_entry(app, rid)
        assert (row.action, row.decision, row.outcome, row.reason) == (action, "DENY", "DENIED", "FORBIDDEN")
        assert (row.actor, row.chain) == (user_actor(developer), org_chain(owner))
        assert row.risk == 2  # a read is NONE; a denial at least MEDIUM
    found = await log_entries(gql, owner.access_token, actor=user_actor(developer))
    assert {"read:auditLog", "read:invoices"} <= {e["action"] for e in found}


async def test_an_anonymous_refused_read_writes_nothing(gql: GraphQL, app: FastAPI) -> None:
    """Documented (docs/audit.md): no identity, so not audited; counted in metrics instead."""
    rid = request_id()
    errors = await gql.errors(AUDIT_LOG, None, token=None, **{"X-Request-ID": rid})
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await rows_of_request(app, rid) == []


# ---------------------------------------------------------------- input digests


async def _log_in_digest(gql: GraphQL, app: FastAPI, **input: Any) -> str:
    rid = request_id()
    await gql(LOG_IN, {"input": input}, **{"X-Request-ID": rid})
    row = await the_entry(app, rid)
    assert row.input_digest is not None
    return str(row.input_digest)


async def test_the_input_digest_leaves_secrets_and_personal_data_out(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    first = await _log_in_digest(gql, app, email=owner.email, password="wrong password 1")
    assert (
        await _log_in_digest(gql, app, email=owner.email, password="wrong password 1") == first
    )  # same input
    assert (
        await _log_in_digest(gql, app, email=owner.email, password="another wrong one") == first
    )  # redacted
    assert await _log_in_digest(gql, app, email="someone@example.com", password="x") == first  # redacted too
    # What is neither secret nor personal still counts.
    other = await _log_in_digest(gql, app, email=owner.email, password="x", organizationSlug="some-org")
    assert other != first


async def test_the_input_digest_is_the_documented_hash_of_the_arguments(gql: GraphQL, app: FastAPI) -> None:
    """docs/audit.md: SHA-256 of the RFC 8785 JSON of the arguments, secrets redacted. The
    arguments as the client names them (GraphQL names, defaults applied), so an auditor holding a
    request can recompute the digest."""
    digest = await _log_in_digest(gql, app, email="nobody@example.com", password="x", organizationSlug="acme")
    arguments = {"input": {"email": "[REDACTED]", "password": "[REDACTED]", "organizationSlug": "acme"}}
    assert digest == hashlib.sha256(rfc8785.dumps(arguments)).hexdigest()


# ---------------------------------------------------------------- risk levels


async def test_risk_levels_follow_the_documented_classifier(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    role = unique("role")
    await gql(CREATE_ROLE, {"input": {"name": role}}, token=owner.access_token)  # MEDIUM
    await gql(
        GRANT, {"input": {"role": role, "permission": "packages:read"}}, token=owner.access_token
    )  # HIGH
    await gql(GRANT, {"input": {"role": role, "permission": "no:such"}}, token=owner.access_token)  # HIGH - 1
    await api_key(gql, owner, scopes=["packages:read"])  # HIGH
    await gql(
        "mutation { createAuditCheckpoint { checkpoint { id } userErrors { code } } }",
        token=owner.access_token,
    )  # NONE
    await gql(
        'mutation { createBudget(input: {name: "b", threshold: "10"}) { budget { id } userErrors { code } } }',
        token=owner.access_token,
    )  # not listed: LOW
    risks = [(e["action"], e["outcome"], e["risk"]) for e in await log_entries(gql, owner.access_token)]
    assert risks == [
        ("signUp", "SUCCEEDED", "LOW"),
        ("createRole", "SUCCEEDED", "MEDIUM"),
        ("grantPermission", "SUCCEEDED", "HIGH"),
        ("grantPermission", "REJECTED", "MEDIUM"),
        ("createApiKey", "SUCCEEDED", "HIGH"),
        ("createAuditCheckpoint", "SUCCEEDED", "NONE"),
        ("createBudget", "SUCCEEDED", "LOW"),
    ]


# ---------------------------------------------------------------- who reads what


async def test_an_organization_never_sees_another_ones_entries(gql: GraphQL, app: FastAPI) -> None:
    a = await sign_up(gql, prefix="tenant-a")
    b = await sign_up(gql, prefix="tenant-b")
    [role_a] = await create_roles(gql, a, 1)
    log_b = await log_entries(gql, b.access_token)
    assert log_b and {e["chain"] for e in log_b} == {org_chain(b)}
    assert {e["actor"] for e in log_b} == {user_actor(b)}
    assert await log_entries(gql, b.access_token, actor=user_actor(a)) == []
    assert await log_entries(gql, b.access_token, target=role_a) == []
    assert len(await log_entries(gql, a.access_token, target=role_a)) == 1


async def test_the_platform_chain_is_for_the_platform_operator_only(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    rid = request_id()
    errors = await gql.errors(
        AUDIT_LOG, {"filter": {"platform": True}}, token=owner.access_token, **{"X-Request-ID": rid}
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    denial = await the_entry(app, rid)  # the refusal is itself audited
    assert (denial.action, denial.decision) == ("read:auditLog", "DENY")
    errors = await gql.errors("query { auditCheckpoints(platform: true) { id } }", token=owner.access_token)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    rid = request_id()
    refused = (await gql(PLATFORM_CHECKPOINT, None, token=owner.access_token, **{"X-Request-ID": rid}))[
        "createAuditCheckpoint"
    ]
    assert refused == {"checkpoint": None, "userErrors": [{"code": "FORBIDDEN"}]}
    denial = await the_entry(app, rid)
    assert (denial.action, denial.decision, denial.outcome, denial.chain) == (
        "createAuditCheckpoint",
        "DENY",
        "DENIED",
        org_chain(owner),
    )

    op = await operator(gql, app)
    await gql(LOG_IN, {"input": {"email": "nobody@example.com", "password": "wrong"}})  # a platform entry
    platform = await log_entries(gql, op.access_token, platform=True)
    assert platform and {e["chain"] for e in platform} == {"platform"}
    signed = (await gql(PLATFORM_CHECKPOINT, token=op.access_token))["createAuditCheckpoint"]
    assert signed["userErrors"] == [] and signed["checkpoint"]["chain"] == "platform"


# ---------------------------------------------------------------- filters, bad inputs, pages


async def test_filters_by_actor_action_target_risk_and_time(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    developer = await member_with_role(gql, owner, "developer")
    role_ids = await create_roles(gql, owner, 3)
    role = (await log_entries(gql, owner.access_token, target=role_ids[1]))[0]
    await gql(
        CREATE_API_KEY,
        {"input": {"name": unique("k"), "scopes": ["packages:read"]}},
        token=developer.access_token,
    )
    everything = await log_entries(gql, owner.access_token)
    assert [e["sequence"] for e in everything] == list(range(1, len(everything) + 1))

    by_actor = await log_entries(gql, owner.access_token, actor=user_actor(developer))
    assert by_actor and {e["actor"] for e in by_actor} == {user_actor(developer)}
    assert by_actor == [e for e in everything if e["actor"] == user_actor(developer)]

    by_action = await log_entries(gql, owner.access_token, action="createRole")
    assert [e["target"] for e in by_action] == role_ids

    by_target = await log_entries(gql, owner.access_token, target=role_ids[1])
    assert by_target == [role]

    high = await log_entries(gql, owner.access_token, minimumRisk="HIGH")
    assert high == [e for e in everything if e["risk"] in ("HIGH", "CRITICAL")]
    assert {e["action"] for e in high} >= {"createApiKey"}
    medium = await log_entries(gql, owner.access_token, minimumRisk="MEDIUM")
    assert medium == [e for e in everything if e["risk"] in ("MEDIUM", "HIGH", "CRITICAL")]

    creations = [e for e in everything if e["action"] == "createRole"]
    span = await log_entries(
        gql, owner.access_token, **{"from": creations[0]["time"], "to": creations[-1]["time"]}
    )
    assert span == [
        e for e in everything if creations[0]["sequence"] <= e["sequence"] <= creations[-1]["sequence"]
    ]
    later = datetime.fromisoformat(everything[-1]["time"]) + timedelta(seconds=1)
    assert await log_entries(gql, owner.access_token, **{"from": later.isoformat()}) == []

    combined = await log_entries(
        gql, owner.access_token, actor=user_actor(owner), action="createRole", minimumRisk="MEDIUM"
    )
    assert combined == by_action


async def _filter_error(gql: GraphQL, token: str, **filter: Any) -> dict[str, Any]:
    errors = await gql.errors(LOG_COUNT, {"filter": filter}, token=token)
    assert len(errors) == 1, errors
    return errors[0]  # type: ignore[no-any-return]


async def test_bad_filters_are_refused_with_a_code(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    reversed_ = await _filter_error(
        gql, owner.access_token, **{"from": "2026-02-01T00:00:00+00:00", "to": "2026-01-01T00:00:00+00:00"}
    )
    assert reversed_["extensions"]["code"] == "BAD_USER_INPUT"
    assert reversed_["extensions"]["reason"] == "INVALID_RANGE" and reversed_["extensions"]["field"] == "from"
    for name in ("actor", "action", "target"):
        too_long = await _filter_error(gql, owner.access_token, **{name: "a" * 201})
        assert too_long["extensions"]["code"] == "BAD_USER_INPUT", too_long
        assert too_long["extensions"].get("field") == name, too_long
    unknown = await _filter_error(gql, owner.access_token, minimumRisk="EXTREME")
    assert unknown["extensions"]["code"] in ("BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED")
    bad_time = await _filter_error(gql, owner.access_token, **{"from": "yesterday"})
    assert bad_time["extensions"]["code"] in ("BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED")
    # An equal from and to is a span of one instant, not an error.
    now = "2026-01-01T00:00:00+00:00"
    data = await gql(LOG_COUNT, {"filter": {"from": now, "to": now}}, token=owner.access_token)
    assert data["auditLog"]["totalCount"] == 0


async def test_a_time_without_an_offset_is_refused_not_a_crash(gql: GraphQL, app: FastAPI) -> None:
    """The DateTime scalar lets a naive time through; the filter must refuse it as the export does
    (400 "needs a UTC offset"), not fail inside the database layer."""
    owner = await sign_up(gql)
    for name in ("from", "to"):
        error = await _filter_error(gql, owner.access_token, **{name: "2026-01-01T00:00:00"})
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert error["extensions"].get("field") == name, error


async def test_pages_walk_the_log_oldest_first(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql)
    await create_roles(gql, owner, 6)
    everything = await log_entries(gql, owner.access_token)
    assert len(everything) == 7
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = await audit_log(gql, owner.access_token, first=3, after=after)
        assert page["totalCount"] == 7
        seen += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == everything
    filtered = await audit_log(gql, owner.access_token, first=2, action="createRole")
    assert filtered["totalCount"] == 6 and len(filtered["nodes"]) == 2
    rest = await audit_log(
        gql, owner.access_token, first=10, after=filtered["pageInfo"]["endCursor"], action="createRole"
    )
    assert [e["sequence"] for e in filtered["nodes"] + rest["nodes"]] == list(range(2, 8))
