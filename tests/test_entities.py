"""`_entities` (federation): good representations resolve through the scoped loaders, bad ones are
BAD_USER_INPUT rather than a crash."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import GraphQL, sign_up

ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on User { id } } }"


async def test_own_user_resolves_as_an_entity(gql: GraphQL) -> None:
    account = await sign_up(gql)
    data = await gql(
        ENTITIES, {"r": [{"__typename": "User", "id": account.user_id}]}, token=account.access_token
    )
    assert data["_entities"] == [{"__typename": "User", "id": account.user_id}]


@pytest.mark.parametrize(
    "representation",
    [
        "a string",
        42,
        {"id": "x"},
        {"__typename": "Nope", "id": "x"},
        {"__typename": "Membership", "id": "x"},
        {"__typename": "User"},
        {"__typename": "User", "id": 7},
    ],
)
async def test_bad_representations_are_bad_user_input(gql: GraphQL, representation: Any) -> None:
    errors = await gql.errors(ENTITIES, {"r": [representation]})
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert errors[0]["extensions"]["field"] == "representations"


async def test_extra_representation_fields_are_ignored(gql: GraphQL) -> None:
    account = await sign_up(gql)
    representation = {"__typename": "User", "id": account.user_id, "email": "x@example.com"}
    data = await gql(ENTITIES, {"r": [representation]}, token=account.access_token)
    assert data["_entities"] == [{"__typename": "User", "id": account.user_id}]
