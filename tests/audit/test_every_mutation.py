"""Every mutation of the schema writes exactly one audit entry, whatever it answers.

The mutations are not listed here: they are read from the running server's introspection, and each
is sent once with arguments built from its argument types alone (`placeholder`), first as the
owner of a fresh organization, then anonymously. A mutation added later is covered without
touching this file; one that writes no entry (or two) fails the test. Values the generic rules
cannot build would go into SPECIAL_ARGUMENTS (none are needed today).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    build_client_schema,
    get_introspection_query,
    get_named_type,
)
from graphql.pyutils import Undefined

from resolvers.ids import to_global_id
from tests.audit.support import org_chain, request_id, rows_of_request, user_actor, verify
from tests.helpers import Account, GraphQL, sign_up

# "<mutation>.<argument path>" -> the value to send, where the generic placeholder would not do.
SPECIAL_ARGUMENTS: dict[str, Any] = {}

SCALAR_PLACEHOLDERS: dict[str, Any] = {
    "String": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Decimal": "1",
    "BigInt": 1,
    "JSON": {},
}


@dataclass
class Request:
    """One mutation as a GraphQL request: document, variables, and where its files go."""

    name: str
    document: str
    variables: dict[str, Any]
    uploads: list[str] = field(default_factory=list)  # "variables.<path>" of each Upload value


def placeholder(type_: GraphQLInputType, path: str, uploads: list[str]) -> Any:
    """A value of `type_` that passes GraphQL coercion; the server may still refuse it."""
    if path in SPECIAL_ARGUMENTS:
        return SPECIAL_ARGUMENTS[path]
    if isinstance(type_, GraphQLNonNull):
        return placeholder(type_.of_type, path, uploads)
    if isinstance(type_, GraphQLList):
        return [placeholder(type_.of_type, f"{path}.0", uploads)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: placeholder(input_field.type, f"{path}.{name}", uploads)
            for name, input_field in type_.fields.items()
            if isinstance(input_field.type, GraphQLNonNull) and input_field.default_value is Undefined
        }
    assert isinstance(type_, GraphQLScalarType), type_
    if type_.name == "ID":
        # A well-formed global id of an object that does not exist; its type guessed from the name.
        last = path.rsplit(".", 1)[-1]
        type_name = last[:-2][:1].upper() + last[1:-2] if last.endswith("Id") and len(last) > 2 else "Node"
        return to_global_id(type_name, uuid.uuid4())
    if type_.name == "DateTime":
        return datetime.now(UTC).isoformat()
    if type_.name == "Upload":
        uploads.append(path)
        return None
    assert type_.name in SCALAR_PLACEHOLDERS, f"no placeholder for scalar {type_.name} at {path}"
    return SCALAR_PLACEHOLDERS[type_.name]


def type_reference(type_: Any) -> str:
    if isinstance(type_, GraphQLNonNull):
        return f"{type_reference(type_.of_type)}!"
    if isinstance(type_, GraphQLList):
        return f"[{type_reference(type_.of_type)}]"
    return str(type_.name)


def selection(field_: GraphQLField) -> str:
    payload = get_named_type(field_.type)
    if isinstance(payload, GraphQLInterfaceType | GraphQLUnionType):
        return " { __typename }"
    if not isinstance(payload, GraphQLObjectType):
        return ""  # a scalar or enum result
    parts = ["__typename"]
    if "userErrors" in payload.fields:
        parts.append("userErrors { code }")
    return " { " + " ".join(parts) + " }"


def requests_for(schema: GraphQLSchema) -> list[Request]:
    mutation = schema.mutation_type
    assert mutation is not None
    built = []
    for name, field_ in mutation.fields.items():
        uploads: list[str] = []
        variables: dict[str, Any] = {}
        definitions, arguments = [], []
        for arg_name, arg in field_.args.items():
            if not isinstance(arg.type, GraphQLNonNull) or arg.default_value is not Undefined:
                continue  # optional: left out, as a minimal client would
            variables[arg_name] = placeholder(arg.type, f"{name}.{arg_name}", uploads)
            definitions.append(f"${arg_name}: {type_reference(arg.type)}")
            arguments.append(f"{arg_name}: ${arg_name}")
        header = f"({', '.join(definitions)})" if definitions else ""
        call = f"({', '.join(arguments)})" if arguments else ""
        document = f"mutation Every{header} {{ {name}{call}{selection(field_)} }}"
        # Upload paths were collected as "<mutation>.<argument>…"; the multipart map wants "variables.…".
        paths = ["variables." + path.split(".", 1)[1] for path in uploads]
        built.append(Request(name, document, variables, paths))
    return built


async def mutation_requests(gql: GraphQL) -> list[Request]:
    introspection = await gql(get_introspection_query())
    requests = requests_for(build_client_schema(introspection))  # type: ignore[arg-type]
    assert len(requests) > 40, [r.name for r in requests]  # sanity: the whole schema, not a part of it
    return requests


async def send(
    http: httpx.AsyncClient, request: Request, request_id: str, token: str | None
) -> httpx.Response:
    headers = {"X-Request-ID": request_id}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if not request.uploads:
        body = {"query": request.document, "variables": request.variables}
        return await http.post("/graphql", json=body, headers=headers)
    # The GraphQL multipart request spec, with the header that proves a CORS preflight happened.
    operations = json.dumps({"query": request.document, "variables": request.variables})
    mapping = json.dumps({str(i): [path] for i, path in enumerate(request.uploads)})
    files = {
        str(i): (f"file{i}.tar.gz", b"not really a tarball", "application/gzip")
        for i in range(len(request.uploads))
    }
    return await http.post(
        "/graphql",
        data={"operations": operations, "map": mapping},
        files=files,
        headers={**headers, "Apollo-Require-Preflight": "true"},
    )


async def assert_one_entry_each(
    gql: GraphQL, app: FastAPI, token: str | None, *, actor: str, chain: str
) -> dict[str, str]:
    """Send every mutation; each must leave exactly one entry, named after it. Returns the outcomes."""
    problems: list[str] = []
    outcomes: dict[str, str] = {}
    for request in await mutation_requests(gql):
        rid = request_id(request.name)
        response = await send(gql.http, request, rid, token)
        rows = await rows_of_request(app, rid)
        if len(rows) != 1:
            problems.append(
                f"{request.name}: {len(rows)} entries (HTTP {response.status_code}: {response.text[:300]})"
            )
            continue
        row = rows[0]
        if (row.action, row.actor, row.chain) != (request.name, actor, chain):
            problems.append(
                f"{request.name}: entry {(row.action, row.actor, row.chain)}, wanted {(request.name, actor, chain)}"
            )
        outcomes[request.name] = f"{row.decision}/{row.outcome}"
    assert not problems, "\n".join(problems)
    return outcomes


async def test_every_mutation_of_the_owner_writes_one_entry(gql: GraphQL, app: FastAPI) -> None:
    owner: Account = await sign_up(gql, prefix="every")
    outcomes = await assert_one_entry_each(
        gql, app, owner.access_token, actor=user_actor(owner), chain=org_chain(owner)
    )
    # The placeholders make most mutations fail, each in its own way; some still succeed.
    assert outcomes["createAuditCheckpoint"] == "ALLOW/SUCCEEDED"
    assert outcomes["createBudget"] == "ALLOW/SUCCEEDED"
    assert outcomes["createRole"] == "ALLOW/REJECTED"  # "x" is not a valid role name
    assert outcomes["logIn"] == "DENY/DENIED"
    assert outcomes["createPlan"] == "DENY/DENIED"  # not a platform operator
    # Every one of those entries landed in the owner's chain, which still verifies.
    report = await verify(gql, owner.access_token)
    assert report["ok"], report
    assert report["chainSize"] >= len(outcomes)


async def test_every_mutation_of_an_anonymous_caller_writes_one_entry(gql: GraphQL, app: FastAPI) -> None:
    outcomes = await assert_one_entry_each(gql, app, None, actor="anonymous", chain="platform")
    assert outcomes["createRole"] == "DENY/DENIED"
    assert outcomes["logIn"] == "DENY/DENIED"


def test_the_placeholders_cover_every_argument_type() -> None:
    """The builder fails loudly (not by skipping) on a scalar it has no placeholder for."""
    from schema import build_schema

    schema = build_schema()._schema
    requests = requests_for(schema)
    assert {r.name for r in requests} == set(schema.mutation_type.fields)  # type: ignore[union-attr]
    upload = next(r for r in requests if r.name == "publishVersionUpload")
    assert upload.uploads == ["variables.input.file"]
