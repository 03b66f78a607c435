"""The GraphQL surface under bad input: parse and validation errors, document limits (also through
fragments, circular or shared), batching, body size, GET and CSRF refusals, variables, pagination,
node lookups, the production profile and the masking of unexpected failures."""

from __future__ import annotations

import io
import json
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.app import create_app
from server.logs import configure_logging
from server.migrate import upgrade
from server.settings import Settings
from tests.conftest import make_settings
from tests.helpers import LOG_IN, PASSWORD, Account, GraphQL, member_with_role, sign_up, unique, unique_email

# ---------------------------------------------------------------- helpers


@asynccontextmanager
async def serve(settings: Settings, *, raise_app_exceptions: bool = True) -> AsyncIterator[httpx.AsyncClient]:
    """An app of its own (own engine, own lifespan) over ASGI."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(
            app=application, client=("127.0.0.1", 40001), raise_app_exceptions=raise_app_exceptions
        )
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


def sibling_settings(settings: Settings, **overrides: object) -> Settings:
    """Settings for another app on the suite's database, sharing its master key (so its signing keys)."""
    assert settings.master_key is not None
    return make_settings(
        settings.database_url, settings.home, master_key=settings.master_key.get_secret_value(), **overrides
    )


def fresh_sqlite(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'atom.db'}"
    upgrade(url)
    return url


async def refused(gql: GraphQL, query: str, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The errors of a document refused before execution: HTTP 200, `data: null`."""
    response = await gql.raw(query, variables)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None, body
    assert body["errors"], body
    return body["errors"]  # type: ignore[no-any-return]


def codes(errors: list[dict[str, Any]]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in errors]


def http_error(response: httpx.Response, status: int) -> dict[str, Any]:
    """The one error of an HTTP-level refusal."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    return errors[0]  # type: ignore[no-any-return]


async def assert_no_user(gql: GraphQL, email: str) -> None:
    payload = (await gql(LOG_IN, {"input": {"email": email, "password": PASSWORD}}))["logIn"]
    assert payload["session"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["INVALID_CREDENTIALS"]


def sign_up_literal(email: str) -> str:
    return (
        f'mutation {{ signUp(input: {{email: "{email}", password: "{PASSWORD}", '
        f'organizationName: "Csrf", organizationSlug: "{unique("csrf")}"}}) {{ userErrors {{ code }} }} }}'
    )


# A path down the schema: viewer → organization → members → edges → node → organization → …
CHAIN = ["viewer", "organization", *(["members", "edges", "node", "organization"] * 5)]
RESULT_TYPE = {
    "viewer": "Viewer",
    "organization": "Organization",
    "members": "MembershipConnection",
    "edges": "MembershipEdge",
    "node": "Membership",
}


def deep_direct(depth: int) -> str:
    """A query `depth` levels deep (the leaf `__typename` is a level), with plain fields."""
    fields = CHAIN[: depth - 1]
    return "{ " + "".join(f"{f} {{ " for f in fields) + "__typename" + " }" * len(fields) + " }"


def deep_named_fragments(depth: int) -> str:
    """The same depth, each level in its own named fragment."""
    fields = CHAIN[: depth - 1]
    parents = ["Query", *(RESULT_TYPE[f] for f in fields)]
    fragments = [f"fragment F{i} on {parents[i]} {{ {f} {{ ...F{i + 1} }} }}" for i, f in enumerate(fields)]
    fragments.append(f"fragment F{len(fields)} on {parents[-1]} {{ __typename }}")
    return "{ ...F0 }\n" + "\n".join(fragments)


def deep_inline_fragments(depth: int) -> str:
    """The same depth, every selection wrapped in an inline fragment."""
    fields = CHAIN[: depth - 1]
    parents = ["Query", *(RESULT_TYPE[f] for f in fields)]
    opening = "".join(f"... on {parents[i]} {{ {f} {{ " for i, f in enumerate(fields))
    return "{ " + opening + "... { __typename }" + " } }" * len(fields) + " }"


# ---------------------------------------------------------------- parse and validation errors


async def test_malformed_document_is_a_parse_error(gql: GraphQL) -> None:
    for document in ("{ viewer { ", "query {", "{ viewer { user { email } } } }", "mutation ( { }"):
        errors = await refused(gql, document)
        assert codes(errors) == ["GRAPHQL_PARSE_FAILED"], (document, errors)
        assert errors[0]["message"].startswith("Syntax Error"), errors


async def test_unknown_field_fails_validation_with_a_suggestion_in_development(gql: GraphQL) -> None:
    errors = await refused(gql, "{ viewer { usr { email } } }")
    assert codes(errors) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Cannot query field 'usr' on type 'Viewer'." in errors[0]["message"]
    assert "Did you mean 'user'?" in errors[0]["message"]


async def test_document_errors_are_validation_failures(gql: GraphQL) -> None:
    """Errors of the document itself (found by validation, whatever the variables) are
    GRAPHQL_VALIDATION_FAILED; BAD_USER_INPUT is for values the caller passed."""
    for document in (
        "query Unused($x: Int) { __typename }",
        "query Undefined { nodes(ids: [$x]) { id } }",
        "{ node { id } }",  # a required argument missing
        '{ viewer { organization { members(first: "ten") { totalCount } } } }',
    ):
        errors = await refused(gql, document)
        assert set(codes(errors)) == {"GRAPHQL_VALIDATION_FAILED"}, (document, errors)


async def test_invalid_variables_are_bad_user_input(gql: GraphQL) -> None:
    wrong_type = await refused(
        gql,
        "query Members($n: Int) { viewer { organization { members(first: $n) { totalCount } } } }",
        {"n": "abc"},
    )
    assert codes(wrong_type) == ["BAD_USER_INPUT"]
    assert "$n" in wrong_type[0]["message"]

    missing = await refused(gql, "query Org($slug: String!) { organization(slug: $slug) { id } }", {})
    assert codes(missing) == ["BAD_USER_INPUT"]

    wrong_shape = await refused(
        gql,
        "mutation SignUp($input: SignUpInput!) { signUp(input: $input) { userErrors { code } } }",
        {"input": {"email": unique_email(), "password": PASSWORD, "noSuchField": 1}},
    )
    assert codes(wrong_shape) == ["BAD_USER_INPUT"]


# ---------------------------------------------------------------- depth


async def test_depth_limit_on_plain_fields(gql: GraphQL, settings: Settings) -> None:
    limit = settings.max_depth
    assert await gql(deep_direct(limit)) == {"viewer": {"organization": None}}
    errors = await refused(gql, deep_direct(limit + 1))
    assert codes(errors) == ["DEPTH_LIMIT_EXCEEDED"]


async def test_depth_limit_through_named_fragments(gql: GraphQL, settings: Settings) -> None:
    limit = settings.max_depth
    assert await gql(deep_named_fragments(limit)) == {"viewer": {"organization": None}}
    errors = await refused(gql, deep_named_fragments(limit + 1))
    assert codes(errors) == ["DEPTH_LIMIT_EXCEEDED"]
    errors = await refused(gql, deep_named_fragments(limit + 8))
    assert codes(errors) == ["DEPTH_LIMIT_EXCEEDED"]


async def test_depth_limit_through_inline_fragments(gql: GraphQL, settings: Settings) -> None:
    limit = settings.max_depth
    assert await gql(deep_inline_fragments(limit)) == {"viewer": {"organization": None}}
    errors = await refused(gql, deep_inline_fragments(limit + 1))
    assert codes(errors) == ["DEPTH_LIMIT_EXCEEDED"]


@pytest.mark.parametrize(
    "document",
    [
        "{ ...A } fragment A on Query { viewer { __typename } ...B } fragment B on Query { ...A }",
        "{ ...Self } fragment Self on Query { __typename ...Self }",
        """
        { viewer { organization { ...O } } }
        fragment O on Organization { members { edges { node { ...M } } } }
        fragment M on Membership { organization { ...O } }
        """,
    ],
    ids=["two-fragment-cycle", "self-spread", "deep-cycle"],
)
async def test_circular_fragments_are_reported_not_followed(gql: GraphQL, document: str) -> None:
    errors = await refused(gql, document)
    assert set(codes(errors)) == {"GRAPHQL_VALIDATION_FAILED"}, errors
    assert any("within itself" in e["message"] for e in errors), errors


# ---------------------------------------------------------------- aliases, directives, tokens


async def test_alias_limit(gql: GraphQL, settings: Settings) -> None:
    limit = settings.max_aliases

    def aliases(n: int) -> str:
        return "{ " + " ".join(f"a{i}: __typename" for i in range(n)) + " }"

    assert len(await gql(aliases(limit))) == limit
    assert codes(await refused(gql, aliases(limit + 1))) == ["ALIAS_LIMIT_EXCEEDED"]


async def test_alias_limit_counts_aliases_hidden_in_fragments_spread_many_times(
    gql: GraphQL, settings: Settings
) -> None:
    assert settings.max_aliases == 30  # five aliases per spread: 6 spreads are at the limit, 7 over it
    fragment = "fragment A on Query { " + " ".join(f"a{i}: __typename" for i in range(5)) + " }"

    def spread(times: int) -> str:
        return "{ " + " ".join(["...A"] * times) + " } " + fragment

    assert await gql(spread(6)) == {f"a{i}": "Query" for i in range(5)}
    assert codes(await refused(gql, spread(7))) == ["ALIAS_LIMIT_EXCEEDED"]
    # Nested: a fragment spreading another one many times.
    nested = "{ ...B } fragment B on Query { ...A ...A ...A ...A ...A ...A ...A ...A } " + fragment
    assert codes(await refused(gql, nested)) == ["ALIAS_LIMIT_EXCEEDED"]


async def test_directive_limit(gql: GraphQL, settings: Settings) -> None:
    limit = settings.max_directives

    def directives(n: int) -> str:
        return "{ " + " ".join(["__typename @include(if: true)"] * n) + " }"

    assert await gql(directives(limit)) == {"__typename": "Query"}
    assert codes(await refused(gql, directives(limit + 1))) == ["DIRECTIVE_LIMIT_EXCEEDED"]


async def test_directive_limit_through_fragments(gql: GraphQL, settings: Settings) -> None:
    assert settings.max_directives == 50  # ten directives per spread: 5 spreads at the limit, 6 over it
    fragment = "fragment D on Query { " + " ".join(["__typename @skip(if: false)"] * 10) + " }"

    def spread(times: int) -> str:
        return "{ " + " ".join(["...D"] * times) + " } " + fragment

    assert await gql(spread(5)) == {"__typename": "Query"}
    assert codes(await refused(gql, spread(6))) == ["DIRECTIVE_LIMIT_EXCEEDED"]
    # Directives on the spreads themselves count too.
    on_spreads = "{ " + " ".join(["...D @include(if: true)"] * 5) + " } " + fragment
    assert codes(await refused(gql, on_spreads)) == ["DIRECTIVE_LIMIT_EXCEEDED"]


async def test_token_limit(gql: GraphQL, settings: Settings) -> None:
    limit = settings.max_tokens

    def many_tokens(strings: int) -> str:  # `{ nodes ( ids : [ … ] ) { id } }`: 11 tokens + the strings
        return "{ nodes(ids: [" + ", ".join(['"x"'] * strings) + "]) { id } }"

    # Under the limit the document parses and validates; it fails later, on the size of `ids`.
    assert codes(await gql.errors(many_tokens(limit - 20))) == ["BAD_USER_INPUT"]
    errors = await refused(gql, many_tokens(limit))
    assert codes(errors) == ["TOKEN_LIMIT_EXCEEDED"]
    errors = await refused(gql, "{ " + "__typename " * (limit + 1) + "}")
    assert codes(errors) == ["TOKEN_LIMIT_EXCEEDED"]


async def test_fragment_diamond_is_answered_with_a_limit_error(gql: GraphQL) -> None:
    """40 fragments each spreading the next one twice expand to 2^40 selections: the memoized
    analyser must answer with a limit error instead of walking them (the test must simply finish)."""
    levels = 40
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    aliased = [*fragments, f"fragment F{levels} on Query {{ x: __typename }}"]
    errors = await refused(gql, "{ ...F0 }\n" + "\n".join(aliased))
    assert codes(errors) == ["ALIAS_LIMIT_EXCEEDED"]

    directed = [*fragments, f"fragment F{levels} on Query {{ __typename @include(if: true) }}"]
    errors = await refused(gql, "{ ...F0 }\n" + "\n".join(directed))
    assert codes(errors) == ["DIRECTIVE_LIMIT_EXCEEDED"]


# ---------------------------------------------------------------- HTTP-level refusals


async def test_batched_request_is_refused_by_default(client: httpx.AsyncClient) -> None:
    operation = {"query": "{ __typename }"}
    error = http_error(await client.post("/graphql", json=[operation, operation]), 400)
    assert error["extensions"]["code"] == "BATCHING_DISABLED"


async def test_batching_when_configured_is_capped(gql: GraphQL, settings: Settings) -> None:
    account = await sign_up(gql)
    auth = {"Authorization": f"Bearer {account.access_token}"}
    email = {"query": "query One { viewer { user { email } } }"}
    slug = {"query": "query Two { viewer { organization { slug } } }"}
    email_data = {"data": {"viewer": {"user": {"email": account.email}}}}
    slug_data = {"data": {"viewer": {"organization": {"slug": account.organization_slug}}}}
    async with serve(sibling_settings(settings, batching_max_operations=2)) as http:
        for pair, expected in (
            ([email, slug], [email_data, slug_data]),
            ([email, email], [email_data, email_data]),
            ([slug, slug], [slug_data, slug_data]),
            ([slug, email], [slug_data, email_data]),
        ):
            response = await http.post("/graphql", json=pair, headers=auth)
            assert response.status_code == 200, response.text
            assert response.json() == expected, pair
        typename = {"query": "{ __typename }"}
        response = await http.post("/graphql", json=[typename, typename])
        assert response.json() == [{"data": {"__typename": "Query"}}] * 2

        # A mutation in a batch is committed like any other.
        newcomer = unique_email("batch")
        sign_up_op = {"query": sign_up_literal(newcomer)}
        response = await http.post("/graphql", json=[sign_up_op, typename])
        assert response.status_code == 200, response.text
        assert response.json() == [
            {"data": {"signUp": {"userErrors": []}}},
            {"data": {"__typename": "Query"}},
        ]
        assert (await gql(LOG_IN, {"input": {"email": newcomer, "password": PASSWORD}}))["logIn"][
            "userErrors"
        ] == []

        error = http_error(await http.post("/graphql", json=[email, slug, email], headers=auth), 400)
        assert error["extensions"]["code"] == "BATCH_LIMIT_EXCEEDED"


async def test_oversized_body_with_content_length(client: httpx.AsyncClient, settings: Settings) -> None:
    padding = "x" * (settings.max_body_bytes + 1)
    response = await client.post("/graphql", json={"query": "{ __typename }", "variables": {"p": padding}})
    assert int(response.request.headers["content-length"]) > settings.max_body_bytes
    assert http_error(response, 413)["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_oversized_streamed_body_without_content_length(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    chunk = b"x" * 65536
    chunks = settings.max_body_bytes // len(chunk) + 2

    async def body() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "variables": {"p": "'
        for _ in range(chunks):
            yield chunk
        yield b'"}}'

    response = await client.post("/graphql", content=body(), headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert http_error(response, 413)["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_mutation_over_get_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, gql: GraphQL
) -> None:
    email = unique_email("get")
    response = await client.get("/graphql", params={"query": sign_up_literal(email)})
    assert http_error(response, 405)["extensions"]["code"] == "MUTATION_OVER_GET"
    await assert_no_user(gql, email)
    # The same document over POST is fine: only the method was wrong.
    assert (await gql(sign_up_literal(email)))["signUp"]["userErrors"] == []


async def test_queries_over_get_still_work(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ __typename }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_form_encoded_post_is_refused_as_csrf(client: httpx.AsyncClient, gql: GraphQL) -> None:
    email = unique_email("form")
    response = await client.post("/graphql", data={"query": sign_up_literal(email)})
    assert response.request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert http_error(response, 415)["extensions"]["code"] == "UNSUPPORTED_CONTENT_TYPE"
    await assert_no_user(gql, email)


async def test_multipart_post_is_refused_as_csrf(client: httpx.AsyncClient, gql: GraphQL) -> None:
    # Multipart exists for artifact uploads only (tests/marketplace/test_multipart_upload.py), and never
    # without a header a browser cannot send cross-site without a preflight.
    email = unique_email("multipart")
    operations = json.dumps({"query": sign_up_literal(email), "variables": {}})
    response = await client.post("/graphql", files={"operations": (None, operations), "map": (None, "{}")})
    assert response.request.headers["content-type"].startswith("multipart/form-data")
    assert http_error(response, 400)["extensions"]["code"] == "CSRF_PREFLIGHT_REQUIRED"
    await assert_no_user(gql, email)


async def test_text_plain_post_is_refused_as_csrf(client: httpx.AsyncClient, gql: GraphQL) -> None:
    email = unique_email("plain")
    response = await client.post(
        "/graphql",
        content=json.dumps({"query": sign_up_literal(email)}),
        headers={"Content-Type": "text/plain"},
    )
    assert http_error(response, 415)["extensions"]["code"] == "UNSUPPORTED_CONTENT_TYPE"
    await assert_no_user(gql, email)


# ---------------------------------------------------------------- pagination and nodes

MEMBERS = """
query Members($first: Int, $after: String, $last: Int, $before: String) {
  viewer { organization { members(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { id user { email } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  } } }
}
"""


@pytest.fixture(scope="module")
async def crowd(app: Any) -> tuple[Account, list[Account]]:
    """An organization with its owner and four more members."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40002))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        gql = GraphQL(http)
        owner = await sign_up(gql, prefix="crowd")
        members = [
            await member_with_role(gql, owner, role) for role in ("admin", "developer", "viewer", "billing")
        ]
    return owner, members


async def members_page(gql: GraphQL, owner: Account, **variables: Any) -> dict[str, Any]:
    data = await gql(MEMBERS, variables, token=owner.access_token)
    return data["viewer"]["organization"]["members"]  # type: ignore[no-any-return]


def page_of(
    edges: list[dict[str, Any]], *, has_next: bool, has_previous: bool, total: int = 5
) -> dict[str, Any]:
    return {
        "totalCount": total,
        "edges": edges,
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


async def test_members_connection_pages_forward_and_backward(
    gql: GraphQL, crowd: tuple[Account, list[Account]]
) -> None:
    owner, members = crowd
    everything = await members_page(gql, owner, first=10)
    edges = everything["edges"]
    assert everything == page_of(edges, has_next=False, has_previous=False)
    # In the order they joined (time-ordered keys): the owner first.
    assert [e["node"]["user"]["email"] for e in edges] == [owner.email, *(m.email for m in members)]
    assert len({e["cursor"] for e in edges}) == 5

    # Forward, two at a time.
    page = await members_page(gql, owner, first=2)
    assert page == page_of(edges[0:2], has_next=True, has_previous=False)
    page = await members_page(gql, owner, first=2, after=page["pageInfo"]["endCursor"])
    assert page == page_of(edges[2:4], has_next=True, has_previous=True)
    page = await members_page(gql, owner, first=2, after=page["pageInfo"]["endCursor"])
    assert page == page_of(edges[4:5], has_next=False, has_previous=True)
    page = await members_page(gql, owner, first=2, after=edges[4]["cursor"])
    assert page == page_of([], has_next=False, has_previous=True)

    # Backward, two at a time.
    page = await members_page(gql, owner, last=2)
    assert page == page_of(edges[3:5], has_next=False, has_previous=True)
    page = await members_page(gql, owner, last=2, before=page["pageInfo"]["startCursor"])
    assert page == page_of(edges[1:3], has_next=True, has_previous=True)
    page = await members_page(gql, owner, last=2, before=page["pageInfo"]["startCursor"])
    assert page == page_of(edges[0:1], has_next=True, has_previous=False)

    # A window between two cursors.
    page = await members_page(gql, owner, first=10, after=edges[0]["cursor"], before=edges[4]["cursor"])
    assert [e["cursor"] for e in page["edges"]] == [e["cursor"] for e in edges[1:4]]


async def test_first_over_the_cap_is_refused(
    gql: GraphQL, settings: Settings, crowd: tuple[Account, list[Account]]
) -> None:
    owner, _ = crowd
    assert len((await members_page(gql, owner, first=settings.max_page_size))["edges"]) == 5
    for name in ("first", "last"):
        errors = await gql.errors(MEMBERS, {name: settings.max_page_size + 1}, token=owner.access_token)
        assert [(e["extensions"]["code"], e["extensions"]["reason"]) for e in errors] == [
            ("BAD_USER_INPUT", "PAGE_SIZE_EXCEEDED")
        ], errors
        assert errors[0]["extensions"]["field"] == name
        assert errors[0]["path"] == ["viewer", "organization", "members"]


async def test_first_and_last_together_are_refused(
    gql: GraphQL, crowd: tuple[Account, list[Account]]
) -> None:
    owner, _ = crowd
    response = await gql.raw(MEMBERS, {"first": 2, "last": 2}, token=owner.access_token)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"viewer": {"organization": None}}
    assert [(e["extensions"]["code"], e["extensions"]["reason"]) for e in body["errors"]] == [
        ("BAD_USER_INPUT", "INVALID_PAGINATION")
    ]


async def test_negative_page_size_is_refused(gql: GraphQL, crowd: tuple[Account, list[Account]]) -> None:
    owner, _ = crowd
    errors = await gql.errors(MEMBERS, {"first": -1}, token=owner.access_token)
    assert codes(errors) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        "aGVsbG8",  # base64 of "hello"
        "Y3Vyc29yOm5vdC1hLXV1aWQ",  # base64 of "cursor:not-a-uuid"
        "",
        "\u00e9\u00e9\u00e9",
    ],
)
async def test_invalid_cursor_is_bad_user_input(
    gql: GraphQL, crowd: tuple[Account, list[Account]], cursor: str
) -> None:
    owner, _ = crowd
    for name in ("after", "before"):
        response = await gql.raw(MEMBERS, {"first": 2, name: cursor}, token=owner.access_token)
        assert response.status_code == 200, response.text
        errors = response.json()["errors"]
        assert codes(errors) == ["BAD_USER_INPUT"], errors
        assert errors[0]["extensions"]["field"] == name


NODES = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }"


async def test_nodes_over_one_hundred_ids_are_refused(gql: GraphQL) -> None:
    assert await gql(NODES, {"ids": ["garbage"] * 100}) == {"nodes": [None] * 100}
    errors = await gql.errors(NODES, {"ids": ["garbage"] * 101})
    assert codes(errors) == ["BAD_USER_INPUT"]
    assert errors[0]["extensions"]["field"] == "ids"


async def test_node_with_garbage_id_is_null(gql: GraphQL, crowd: tuple[Account, list[Account]]) -> None:
    owner, _ = crowd
    real = (await members_page(gql, owner, first=1))["edges"][0]["node"]["id"]
    query = "query Node($id: ID!) { node(id: $id) { id } }"
    assert await gql(query, {"id": real}, token=owner.access_token) == {"node": {"id": real}}
    for garbage in ("garbage", "", "TWVtYmVyc2hpcDpub3BlCg", real[:-4], "Zm9vOmJhcg", "a" * 5000):
        assert await gql(query, {"id": garbage}, token=owner.access_token) == {"node": None}, garbage
    # NUL characters are refused in every text input, IDs included.
    errors = await gql.errors(query, {"id": "\x00\x01"}, token=owner.access_token)
    assert codes(errors) == ["BAD_USER_INPUT"]


# ---------------------------------------------------------------- production profile


@pytest.fixture
async def production(settings: Settings) -> AsyncIterator[GraphQL]:
    prod = sibling_settings(settings, env="production")
    assert prod.production and not prod.graphiql_enabled and not prod.introspection_enabled
    async with serve(prod) as http:
        yield GraphQL(http)


SUGGESTIBLE = [
    ("{ viewer { usr { email } } }", "Did you mean 'user'"),
    ('{ node(id: "x", idd: "y") { id } }', "Did you mean 'id'"),
    ("{ ...V } fragment V on Viewr { user { id } }", "Did you mean 'Viewer'"),
]


async def test_development_suggests_fields_arguments_and_types(gql: GraphQL) -> None:
    for document, suggestion in SUGGESTIBLE:
        errors = await refused(gql, document)
        assert set(codes(errors)) == {"GRAPHQL_VALIDATION_FAILED"}, errors
        assert any(suggestion in e["message"] for e in errors), errors


async def test_production_validation_errors_have_codes_and_no_suggestions(production: GraphQL) -> None:
    for document, _ in SUGGESTIBLE:
        errors = await refused(production, document)
        assert set(codes(errors)) == {"GRAPHQL_VALIDATION_FAILED"}, errors
        assert not any("Did you mean" in e["message"] for e in errors), errors
    unknown = await refused(production, "{ viewer { usr { email } } }")
    assert unknown[0]["message"].startswith("Cannot query field 'usr' on type 'Viewer'")


async def test_production_refuses_introspection(production: GraphQL, gql: GraphQL) -> None:
    for document in ("{ __schema { queryType { name } } }", '{ __type(name: "Query") { name } }'):
        assert await gql(document)  # on in development
        errors = await refused(production, document)
        assert set(codes(errors)) == {"GRAPHQL_VALIDATION_FAILED"}, errors
        assert "introspection" in errors[0]["message"].lower()
    assert await production("{ __typename }") == {"__typename": "Query"}


async def test_production_does_not_serve_graphiql(production: GraphQL, client: httpx.AsyncClient) -> None:
    html = {"Accept": "text/html"}
    ide = await client.get("/graphql", headers=html)  # development: the IDE
    assert ide.status_code == 200
    assert ide.headers["content-type"].startswith("text/html")
    assert "graphiql" in ide.text.lower()

    response = await production.http.get("/graphql", headers=html)
    assert response.status_code == 404
    assert not response.headers["content-type"].startswith("text/html")
    assert "graphiql" not in response.text.lower()


async def test_production_errors_still_carry_codes(production: GraphQL) -> None:
    assert codes(await refused(production, "{ viewer { ")) == ["GRAPHQL_PARSE_FAILED"]
    assert codes(await refused(production, deep_direct(13))) == ["DEPTH_LIMIT_EXCEEDED"]
    errors = await production.errors(NODES, {"ids": ["x"] * 101})
    assert codes(errors) == ["BAD_USER_INPUT"]
    response = await production.http.get("/graphql", params={"query": "mutation { __typename }"})
    assert http_error(response, 405)["extensions"]["code"] == "MUTATION_OVER_GET"


# ---------------------------------------------------------------- masking of unexpected failures


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The app's real JSON logging (server.logs.configure_logging), written to a buffer."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    configure_logging("INFO")
    buffer = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    try:
        yield buffer
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


def log_entries(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


LEAKS = re.compile(
    r"SELECT|FROM memberships|no such table|Traceback|sqlalchemy|sqlite|OperationalError", re.I
)


def drop_memberships(database_url: str) -> None:
    path = database_url.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE memberships")


async def test_unexpected_failure_in_a_resolver_is_masked_and_logged(
    tmp_path: Path, json_log: io.StringIO
) -> None:
    url = fresh_sqlite(tmp_path)
    async with serve(make_settings(url, tmp_path)) as http:
        gql = GraphQL(http)
        loner = await sign_up(gql, with_organization=False, prefix="loner")  # its token reads no membership
        assert (await gql("{ viewer { memberships { id } } }", token=loner.access_token)) == {
            "viewer": {"memberships": []}
        }
        drop_memberships(url)

        response = await gql.raw("{ viewer { memberships { id } } }", token=loner.access_token)
    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    body = response.json()
    assert body["data"] is None
    assert len(body["errors"]) == 1
    error = body["errors"][0]
    assert error["message"] == "Internal server error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    assert error["path"] == ["viewer", "memberships"]
    assert not LEAKS.search(response.text), response.text

    logged = [e for e in log_entries(json_log) if e.get("request_id") == request_id and e.get("exc_info")]
    assert len(logged) == 1, log_entries(json_log)
    assert logged[0]["level"] == "ERROR"
    assert "Traceback" in logged[0]["exc_info"]
    assert "no such table: memberships" in logged[0]["exc_info"]


async def test_unexpected_failure_while_authenticating_is_masked_and_logged(
    tmp_path: Path, json_log: io.StringIO
) -> None:
    """The access token of a member is checked against its membership: the broken table fails
    authentication itself, before GraphQL runs. That too must leave masked, coded and traceable."""
    url = fresh_sqlite(tmp_path)
    async with serve(make_settings(url, tmp_path), raise_app_exceptions=False) as http:
        gql = GraphQL(http)
        owner = await sign_up(gql, prefix="owner")
        drop_memberships(url)

        response = await gql.raw("{ viewer { user { email } } }", token=owner.access_token)
    assert response.status_code == 500, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    request_id = response.headers.get("x-request-id")
    assert request_id
    body = response.json()
    assert body["errors"] == [
        {
            "message": "Internal server error.",
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        }
    ]
    assert not LEAKS.search(response.text), response.text
    logged = [e for e in log_entries(json_log) if e.get("request_id") == request_id and e.get("exc_info")]
    assert len(logged) == 1, log_entries(json_log)
    assert "no such table: memberships" in logged[0]["exc_info"]
