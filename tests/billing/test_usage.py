"""Usage ingestion through `reportUsage`: idempotent, all-or-nothing, and every bad input refused with a
code and nothing stored."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from domain.billing.models import UsageEvent
from domain.clock import clock
from tests.billing import flow
from tests.billing.flow import event, report
from tests.helpers import GraphQL, api_key, unique

SUMMARY = """
query($meter: String!) { usageSummary(meter: $meter, granularity: HOUR) { total buckets { start value } } }
"""


@pytest.fixture
async def plan(gql: GraphQL, app: FastAPI) -> dict[str, Any]:
    op = await flow.operator(gql, app)
    return await flow.create_plan(gql, op)


async def stored(app: FastAPI, key_prefix: str) -> int:
    async with app.state.sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(UsageEvent)
                .where(UsageEvent.idempotency_key.like(f"{key_prefix}%"))
            )
        )


async def total(gql: GraphQL, token: str, meter: str) -> Decimal:
    return Decimal((await gql(SUMMARY, {"meter": meter}, token=token))["usageSummary"]["total"])


async def test_a_repeated_event_is_counted_once(gql: GraphQL, app: FastAPI, plan: dict[str, Any]) -> None:
    owner, secret = await flow.customer(gql, plan["key"])
    tag = unique("dup")
    batch = [
        event("tokens", 100, f"{tag}-1"),
        event("tokens", "2.5", f"{tag}-2"),
        event("tool_calls", 1, f"{tag}-3"),
    ]
    first = await report(gql, secret, batch)
    assert first == {"accepted": 3, "duplicates": 0, "userErrors": []}
    # the client retries the whole batch (its answer was lost), plus one new event and a repeat inside the batch
    again = await report(gql, secret, [*batch, event("tokens", 1, f"{tag}-4"), batch[0]])
    assert again == {"accepted": 1, "duplicates": 3, "userErrors": []}
    assert await stored(app, tag) == 4
    assert await total(gql, owner.access_token, "tokens") == Decimal("103.5")


async def test_same_key_different_content_is_a_conflict_and_nothing_is_stored(
    gql: GraphQL, app: FastAPI, plan: dict[str, Any]
) -> None:
    _, secret = await flow.customer(gql, plan["key"])
    tag = unique("conflict")
    assert (await report(gql, secret, [event("tokens", 5, f"{tag}-1")]))["accepted"] == 1
    refused = await report(gql, secret, [event("tokens", 7, f"{tag}-2"), event("tokens", 6, f"{tag}-1")])
    assert refused["accepted"] == 0
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("IDEMPOTENCY_CONFLICT", "events[1].idempotencyKey")
    ]
    assert await stored(app, tag) == 1  # the good event of the refused batch was not stored either
    in_batch = await report(gql, secret, [event("tokens", 1, f"{tag}-9"), event("tokens", 2, f"{tag}-9")])
    assert [(e["code"], e["field"]) for e in in_batch["userErrors"]] == [
        ("DUPLICATE_IN_BATCH", "events[1].idempotencyKey")
    ]


BAD_EVENTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("negative", {"quantity": "-1"}, "INVALID_QUANTITY", "quantity"),
    ("nan", {"quantity": "NaN"}, "INVALID_QUANTITY", "quantity"),
    ("infinite", {"quantity": "Infinity"}, "INVALID_QUANTITY", "quantity"),
    ("too precise", {"quantity": "0.0000001"}, "INVALID_QUANTITY", "quantity"),
    ("too big", {"quantity": "1000000000000"}, "INVALID_QUANTITY", "quantity"),
    ("unknown meter", {"meter": "gpu_seconds"}, "UNKNOWN_METER", "meter"),
    ("empty key", {"idempotencyKey": ""}, "INVALID_IDEMPOTENCY_KEY", "idempotencyKey"),
    ("key with spaces", {"idempotencyKey": "a b"}, "INVALID_IDEMPOTENCY_KEY", "idempotencyKey"),
    ("long key", {"idempotencyKey": "k" * 129}, "INVALID_IDEMPOTENCY_KEY", "idempotencyKey"),
    ("number property", {"properties": {"model": 4}}, "INVALID_PROPERTIES", "properties.model"),
    ("list properties", {"properties": ["a"]}, "INVALID_PROPERTIES", "properties"),
    ("bad property name", {"properties": {"a b": "x"}}, "INVALID_PROPERTIES", "properties"),
    ("run of no package", {"meter": "package_runs"}, "PACKAGE_NOT_INSTALLED", "properties.package"),
    (
        "run of a package not installed",
        {"meter": "package_runs", "properties": {"package": "x/y"}},
        "PACKAGE_NOT_INSTALLED",
        "properties.package",
    ),
]


@pytest.mark.parametrize(("case", "change", "code", "field"), BAD_EVENTS, ids=[c[0] for c in BAD_EVENTS])
async def test_bad_events_are_refused_with_a_code_and_the_batch_is_not_stored(
    gql: GraphQL, app: FastAPI, plan: dict[str, Any], case: str, change: dict[str, Any], code: str, field: str
) -> None:
    _, secret = await flow.customer(gql, plan["key"])
    tag = unique("bad")
    bad = {**event("tokens", 1, f"{tag}-bad"), **change}
    refused = await report(gql, secret, [event("tokens", 1, f"{tag}-good"), bad])
    assert refused["accepted"] == 0, case
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [(code, f"events[1].{field}")], refused
    assert await stored(app, tag) == 0


async def test_timestamps_in_the_future_or_before_the_plan_are_refused(
    gql: GraphQL, app: FastAPI, plan: dict[str, Any]
) -> None:
    _, secret = await flow.customer(gql, plan["key"])
    now = clock.now()
    refused = await report(
        gql,
        secret,
        [
            event("tokens", 1, at=now + timedelta(minutes=6)),
            event("tokens", 1, at=now - timedelta(days=1)),
            event("tokens", 1, at=now + timedelta(minutes=4)),  # within the allowed skew
        ],
    )
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("TIMESTAMP_IN_FUTURE", "events[0].timestamp"),
        ("NO_SUBSCRIPTION", "events[1].timestamp"),
    ]


async def test_batch_size_limits(gql: GraphQL, app: FastAPI, plan: dict[str, Any]) -> None:
    _, secret = await flow.customer(gql, plan["key"])
    empty = await report(gql, secret, [])
    assert [(e["code"], e["field"]) for e in empty["userErrors"]] == [("EMPTY_BATCH", "events")]
    tag = unique("big")
    oversized = await report(gql, secret, [event("tokens", 1, f"{tag}-{i}") for i in range(1001)])
    assert [(e["code"], e["field"]) for e in oversized["userErrors"]] == [("BATCH_TOO_LARGE", "events")]
    assert await stored(app, tag) == 0
    full = await report(gql, secret, [event("tokens", 1, f"{tag}-{i}") for i in range(1000)])
    assert full == {"accepted": 1000, "duplicates": 0, "userErrors": []}


async def test_reporting_needs_a_plan_and_the_usage_write_scope(
    gql: GraphQL, app: FastAPI, plan: dict[str, Any]
) -> None:
    from tests.helpers import sign_up

    no_plan = await sign_up(gql, prefix="noplan")
    _, secret = await api_key(gql, no_plan, scopes=["usage:write"])
    refused = await report(gql, secret, [event("tokens", 1)])
    assert [e["code"] for e in refused["userErrors"]] == ["NO_SUBSCRIPTION"]

    owner, _ = await flow.customer(gql, plan["key"])
    _, reader = await api_key(gql, owner, scopes=["packages:read"])
    errors = await gql.errors(
        flow.REPORT, {"input": {"events": [event("tokens", 1)]}}, **{"X-API-Key": reader}
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await gql.errors(flow.REPORT, {"input": {"events": [event("tokens", 1)]}})
    assert anonymous[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_malformed_values_are_graphql_input_errors(
    gql: GraphQL, app: FastAPI, plan: dict[str, Any]
) -> None:
    _, secret = await flow.customer(gql, plan["key"])
    for change in ({"quantity": "lots"}, {"timestamp": "yesterday"}):
        errors = await gql.errors(
            flow.REPORT, {"input": {"events": [{**event("tokens", 1), **change}]}}, **{"X-API-Key": secret}
        )
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors
