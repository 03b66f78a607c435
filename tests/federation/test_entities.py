"""`_entities`: every entity type resolves through the loaders and checks of `node(id:)` (another tenant's
object is null, exactly like one that does not exist), and a bad representation is a BAD_USER_INPUT
error at `_entities.<index>` while the others still resolve."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from resolvers.ids import from_global_id
from tests.federation.world import ENTITY_TYPES, World, build_world, missing
from tests.helpers import GraphQL, sign_up

ENTITIES = """
query Entities($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Node { id } } }
"""
NODES = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


@pytest.fixture
async def world(gql: GraphQL, app: FastAPI, tmp_path: Path) -> World:
    return await build_world(gql, app, tmp_path)


def _as(world: World, caller: str) -> dict[str, Any]:
    """Request options for a caller of the world."""
    if caller == "anonymous":
        return {}
    if caller == "api key":
        return {"X-API-Key": world.key_secret}
    account = {
        "owner": world.owner,
        "developer": world.developer,
        "accountant": world.accountant,
        "stranger": world.stranger,
    }[caller]
    return {"token": account.access_token}


# Which of the world's objects each caller gets (the rest: null). Publisher, Package and PackageVersion
# are public catalog entries here; Plan and Meter are for any signed-in caller; the others belong to
# the hub organization, and Install and Invoice also need packages:read and billing:read there.
VISIBLE = {
    "owner": set(ENTITY_TYPES) | {"private Package", "private PackageVersion"},
    "developer": set(ENTITY_TYPES) - {"Invoice"} | {"private Package", "private PackageVersion"},
    "accountant": set(ENTITY_TYPES) - {"Install"} | {"private Package", "private PackageVersion"},
    "api key": set(ENTITY_TYPES) - {"Invoice"} | {"private Package", "private PackageVersion"},
    "stranger": {"Publisher", "Package", "PackageVersion", "Plan", "Meter"},
    "anonymous": {"Publisher", "Package", "PackageVersion"},
}


@pytest.mark.parametrize("caller", list(VISIBLE))
async def test_entities_resolve_exactly_what_node_resolves(gql: GraphQL, world: World, caller: str) -> None:
    labels = [*ENTITY_TYPES, "private Package", "private PackageVersion"]
    representations = [
        *world.representations(),
        {"__typename": "Package", "id": world.private_package},
        {"__typename": "PackageVersion", "id": world.private_version},
    ]
    entities = (await gql(ENTITIES, {"r": representations}, **_as(world, caller)))["_entities"]
    nodes = (await gql(NODES, {"ids": [r["id"] for r in representations]}, **_as(world, caller)))["nodes"]

    assert entities == nodes
    expected = [
        {"__typename": r["__typename"], "id": r["id"]} if label in VISIBLE[caller] else None
        for label, r in zip(labels, representations, strict=True)
    ]
    assert entities == expected


async def test_another_tenants_objects_answer_exactly_like_missing_ones(gql: GraphQL, world: World) -> None:
    tenant_owned = ["Organization", "User", "Install", "Invoice"]
    theirs = [{"__typename": t, "id": world.ids[t]} for t in tenant_owned] + [
        {"__typename": "Package", "id": world.private_package},
        {"__typename": "PackageVersion", "id": world.private_version},
    ]
    nothing = [{"__typename": r["__typename"], "id": missing(r["__typename"])} for r in theirs]
    for caller in ("stranger", "anonymous"):
        found = await gql.raw(ENTITIES, {"r": theirs}, **_as(world, caller))
        absent = await gql.raw(ENTITIES, {"r": nothing}, **_as(world, caller))
        assert found.status_code == absent.status_code == 200
        assert found.json() == absent.json() == {"data": {"_entities": [None] * len(theirs)}}


async def test_extra_representation_fields_are_ignored(gql: GraphQL) -> None:
    account = await sign_up(gql)
    representation = {"__typename": "User", "id": account.user_id, "email": "x@example.com", "pk": 1}
    data = await gql(ENTITIES, {"r": [representation]}, token=account.access_token)
    assert data["_entities"] == [{"__typename": "User", "id": account.user_id}]


async def test_no_representations_no_entities(gql: GraphQL) -> None:
    assert (await gql(ENTITIES, {"r": []}))["_entities"] == []


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# (representation, extensions.reason, extensions.field) of each refused representation.
BAD = [
    ("a string", "INVALID_REPRESENTATION", "representations[{i}]"),
    (42, "INVALID_REPRESENTATION", "representations[{i}]"),
    (["User", "id"], "INVALID_REPRESENTATION", "representations[{i}]"),
    ({"id": "{user}"}, "UNKNOWN_TYPENAME", "representations[{i}].__typename"),
    ({"__typename": "Nope", "id": "{user}"}, "UNKNOWN_TYPENAME", "representations[{i}].__typename"),
    ({"__typename": "Membership", "id": "{user}"}, "UNKNOWN_TYPENAME", "representations[{i}].__typename"),
    ({"__typename": "ApiKey", "id": "{user}"}, "UNKNOWN_TYPENAME", "representations[{i}].__typename"),
    ({"__typename": ["User"], "id": "{user}"}, "UNKNOWN_TYPENAME", "representations[{i}].__typename"),
    ({"__typename": "user", "id": "{user}"}, "UNKNOWN_TYPENAME", "representations[{i}].__typename"),
    ({"__typename": "User"}, "MISSING_KEY", "representations[{i}].id"),
    ({"__typename": "User", "pk": "{user}"}, "MISSING_KEY", "representations[{i}].id"),
    ({"__typename": "User", "id": 7}, "INVALID_KEY", "representations[{i}].id"),
    ({"__typename": "User", "id": None}, "INVALID_KEY", "representations[{i}].id"),
    ({"__typename": "User", "id": {"id": "{user}"}}, "INVALID_KEY", "representations[{i}].id"),
    ({"__typename": "User", "id": ""}, "INVALID_KEY", "representations[{i}].id"),
    ({"__typename": "User", "id": "not base64 at all!"}, "INVALID_KEY", "representations[{i}].id"),
    ({"__typename": "User", "id": _b64("garbage")}, "INVALID_KEY", "representations[{i}].id"),
    ({"__typename": "User", "id": _b64("User:not-a-uuid")}, "INVALID_KEY", "representations[{i}].id"),
    ({"__typename": "User", "id": _b64("User:") + "%%"}, "INVALID_KEY", "representations[{i}].id"),
    ({"__typename": "User", "id": "{user_raw_uuid}"}, "INVALID_KEY", "representations[{i}].id"),
    ({"__typename": "User", "id": "{organization}"}, "INVALID_KEY", "representations[{i}].id"),
    ({"__typename": "Organization", "id": "{user}"}, "INVALID_KEY", "representations[{i}].id"),
    ({"__typename": "User", "id": "{user}" + "A" * 300}, "INVALID_KEY", "representations[{i}].id"),
]


def _filled(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: _filled(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, names) for v in value]
    return value


async def test_each_bad_representation_is_its_own_error_and_the_others_resolve(gql: GraphQL) -> None:
    account = await sign_up(gql)
    assert account.organization_id is not None
    good = {"__typename": "User", "id": account.user_id}
    decoded = from_global_id(account.user_id)
    assert decoded is not None
    raw_uuid = str(decoded[1])  # the bare UUID, without its type
    names = {"user": account.user_id, "organization": account.organization_id, "user_raw_uuid": raw_uuid}
    # good, bad, good, bad, ...: a bad one must not take its neighbours down
    representations: list[Any] = []
    for bad, _, _ in BAD:
        representations += [good, _filled(bad, names)]
    representations.append(good)

    response = await gql.raw(ENTITIES, {"r": representations}, token=account.access_token)
    assert response.status_code == 200
    body = response.json()
    entities = body["data"]["_entities"]
    assert entities[0::2] == [{"__typename": "User", "id": account.user_id}] * (len(BAD) + 1)
    assert entities[1::2] == [None] * len(BAD)
    errors = {tuple(e["path"]): e for e in body["errors"]}
    assert len(errors) == len(body["errors"]) == len(BAD)
    for n, (_, reason, field) in enumerate(BAD):
        index = 2 * n + 1
        error = errors[("_entities", index)]
        assert error["extensions"] == {
            "code": "BAD_USER_INPUT",
            "field": field.format(i=index),
            "reason": reason,
        }, (n, error)
        assert error["message"].startswith(f"representations[{index}]"), error


async def test_a_foreign_global_id_is_refused_before_any_lookup(gql: GraphQL) -> None:
    """The same answer for an ID that exists and one that does not: the refusal reveals nothing."""
    account = await sign_up(gql)
    assert account.organization_id is not None
    existing = {"__typename": "User", "id": account.organization_id}
    absent = {"__typename": "User", "id": missing("Organization")}
    first = (await gql.raw(ENTITIES, {"r": [existing]}, token=account.access_token)).json()
    second = (await gql.raw(ENTITIES, {"r": [absent]}, token=account.access_token)).json()
    assert first == second
    assert first["data"] == {"_entities": [None]}
    assert first["errors"][0]["message"] == "representations[0].id is not a User ID."


async def test_null_in_the_list_is_a_variable_error_not_a_crash(gql: GraphQL) -> None:
    errors = await gql.errors(ENTITIES, {"r": [None]})
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]


async def test_representations_inline_in_the_document_resolve_too(gql: GraphQL) -> None:
    account = await sign_up(gql)
    inline = f'[{{__typename: "User", id: "{account.user_id}"}}, {{__typename: "User"}}]'
    query = f"{{ _entities(representations: {inline}) {{ ... on User {{ id }} }} }}"
    body = (await gql.raw(query, token=account.access_token)).json()
    assert body["data"] == {"_entities": [{"id": account.user_id}, None]}
    assert [(e["path"], e["extensions"]["reason"]) for e in body["errors"]] == [
        (["_entities", 1], "MISSING_KEY")
    ]
