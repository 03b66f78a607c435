"""NUL characters in any text input are refused before execution (PostgreSQL text cannot hold them)."""

from __future__ import annotations

from tests.helpers import SIGN_UP, GraphQL, sign_up, unique_email


async def test_nul_in_a_variable_is_bad_user_input_and_writes_nothing(gql: GraphQL) -> None:
    email = unique_email()
    errors = await gql.errors(
        SIGN_UP, {"input": {"email": email, "password": "x" * 12, "displayName": "a\x00b"}}
    )
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    # Nothing was written: the same address signs up fine afterwards.
    payload = (
        await gql(SIGN_UP, {"input": {"email": email, "password": "correct horse battery staple 42"}})
    )["signUp"]
    assert payload["userErrors"] == []


async def test_nul_in_a_literal_is_bad_user_input(gql: GraphQL) -> None:
    account = await sign_up(gql)
    errors = await gql.errors('{ organization(slug: "ac\\u0000me") { id } }', token=account.access_token)
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
