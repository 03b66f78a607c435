"""Schemathesis over the whole GraphQL schema, against a live server on 127.0.0.1 (issue 2, point 8).

Every query and mutation gets a bounded, derandomized batch of generated documents, valid ones
(positive) and ones that break the schema (negative), sent anonymously and as a freshly signed-up
organization owner. No response may be a server error: no 5xx, every body is a GraphQL JSON object,
every `errors` entry carries `extensions.code`, and none of them is a masked internal failure.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from graphql import (
    ObjectFieldNode,
    ObjectValueNode,
    ValueNode,
    get_introspection_query,
    introspection_from_schema,
)
from graphql.language import NameNode
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.graphql import nodes
from schemathesis.schemas import BaseSchema
from schemathesis.specs.graphql.schemas import GraphQLSchema

from resolvers.ids import to_global_id
from schema import build_schema
from server.app import schema_options
from server.migrate import upgrade
from server.settings import Settings
from tests.conftest import (
    LiveServer,
    _drop_postgres_database,
    _postgres_database,
    make_settings,
    start_live_server,
)
from tests.helpers import PASSWORD, SIGN_UP, unique, unique_email

# Examples per operation, caller and generation mode: the work is bounded by this count (the root
# fields x (25 + 10) documents), not by a wall clock, which a busy machine would make flaky; the
# stage's time shows in scripts/test's summary. Derandomized, so every run sends the same documents.
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 10}
REQUEST_TIMEOUT = 10.0
WEDGED_AFTER = 5.0  # SQLite waits 30 s for a lock; a healthy answer here takes milliseconds

# Codes that mean the server failed (masked), not the caller.
SERVER_SIDE_CODES = {"INTERNAL_SERVER_ERROR", "COMMIT_FAILED"}
RESPONSE_KEYS = {"data", "errors", "extensions"}


# Apollo Federation's `_Any` (the `representations` of `_entities`): entity-shaped objects, with
# well-formed and junk type names and IDs, and a few values that are not objects at all.
def _field(name: str, value: ValueNode) -> ObjectFieldNode:
    return ObjectFieldNode(name=NameNode(value=name), value=value)


_TYPENAMES = st.sampled_from(
    ["User", "Organization", "Invoice", "Install", "ApiKey", "Membership", "Query", "", "Nope"]
)
_IDS = st.one_of(
    st.builds(to_global_id, st.sampled_from(["User", "Organization", "Invoice", "ApiKey"]), st.uuids()),
    st.text(max_size=40),
)
_REPRESENTATION: st.SearchStrategy[ValueNode] = st.one_of(
    st.builds(
        lambda typename, id_: ObjectValueNode(
            fields=(_field("__typename", nodes.String(typename)), _field("id", nodes.String(id_)))
        ),
        _TYPENAMES,
        _IDS,
    ),
    st.builds(
        lambda typename: ObjectValueNode(fields=(_field("__typename", nodes.String(typename)),)), _TYPENAMES
    ),
    st.builds(lambda id_: ObjectValueNode(fields=(_field("id", nodes.String(id_)),)), _IDS),
    st.text(max_size=20).map(nodes.String),
    st.integers().map(nodes.Int),
)
schemathesis.graphql.scalar("_Any", _REPRESENTATION)
# A JSON request cannot carry a file: whatever stands in the Upload's place must be refused cleanly.
schemathesis.graphql.scalar(
    "Upload", st.one_of(st.text(max_size=20).map(nodes.String), st.integers().map(nodes.Int))
)
# Decimals as GraphQL strings (numbers, and the hostile NaN/Infinity/garbage too); BigInt as ints and strings.
schemathesis.graphql.scalar(
    "Decimal",
    st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True).map(lambda d: nodes.String(str(d))),
        st.sampled_from(["NaN", "-Infinity", "1e999999", "", "abc"]).map(nodes.String),
        st.integers().map(nodes.Int),
    ),
)
schemathesis.graphql.scalar(
    "BigInt",
    st.one_of(
        st.integers().map(nodes.Int),
        st.text(max_size=25).map(nodes.String),
        st.floats(allow_nan=False).map(nodes.Float),
    ),
)


def _fuzz_settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        derandomize=True,  # the same documents on every run
        database=None,  # no example database written anywhere
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # failures are collected below, not shrunk
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


@dataclass(frozen=True)
class Finding:
    operation: str
    caller: str
    mode: str
    problem: str
    document: str
    status: int
    body: str

    def __str__(self) -> str:
        return (
            f"{self.operation} as {self.caller} ({self.mode}): {self.problem}\n"
            f"  status {self.status}; response {self.body[:600]}\n"
            f"  document:\n    {self.document.strip().replace(chr(10), chr(10) + '    ')}"
        )


def response_problems(status: int, content_type: str, text: str) -> list[str]:
    """What makes this /graphql response a server error or not GraphQL; empty when it is fine."""
    if status >= 500:
        return [f"HTTP {status}"]
    if not content_type.startswith("application/json"):
        return [f"content type {content_type!r} is not JSON"]
    try:
        body = json.loads(text)
    except ValueError:
        return ["body is not JSON"]
    if not isinstance(body, dict):
        return ["body is not a JSON object"]
    problems: list[str] = []
    if not body.keys() & {"data", "errors"} or body.keys() - RESPONSE_KEYS:
        problems.append(f"not a GraphQL response (keys {sorted(body)})")
    errors = body.get("errors")
    if "errors" in body and (not isinstance(errors, list) or not errors):
        problems.append("`errors` is not a non-empty list")
        return problems
    if "data" not in body and status == 200 and not errors:
        problems.append("200 without data")
    for error in errors or []:
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            problems.append(f"error without a message: {error!r}")
            continue
        extensions = error.get("extensions")
        code = extensions.get("code") if isinstance(extensions, dict) else None
        if not isinstance(code, str) or not code:
            problems.append(f"error without extensions.code: {error['message']!r}")
        elif code in SERVER_SIDE_CODES:
            problems.append(f"server-side failure {code}: {error['message']!r}")
    return problems


def _owner_token(server: LiveServer) -> str:
    variables = {
        "email": unique_email("fuzz"),
        "password": PASSWORD,
        "displayName": "fuzz",
        "organizationName": "Fuzz Org",
        "organizationSlug": unique("fuzz"),
    }
    response = httpx.post(
        f"{server.url}/graphql", json={"query": SIGN_UP, "variables": {"input": variables}}, timeout=30
    )
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    payload = body["data"]["signUp"]
    assert payload["userErrors"] == [], payload
    return str(payload["session"]["accessToken"])


@pytest.fixture
def fuzz_server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A live server on a database of its own, per test: what the fuzzer writes, and any lock or broken
    transaction it leaves behind, never reaches the session database the rest of the suite uses."""
    dropped: tuple[str, str] | None = None
    if database_url.startswith("postgresql"):
        base = os.environ["ATOM_TEST_DATABASE_URL"]
        database_url, name = _postgres_database(base)
        dropped = (base, name)
    else:
        database_url = f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}"
    upgrade(database_url)
    server = start_live_server(make_settings(database_url, tmp_path))
    yield server
    server.stop()
    if dropped:
        _drop_postgres_database(*dropped)


@pytest.fixture(scope="module")
def graphql_schema(settings: Settings) -> GraphQLSchema:
    """The schema exactly as the app builds it, introspected in-process (independent of the HTTP
    depth limit, which `test_schemathesis_loads_the_schema_over_http` covers)."""
    introspection = introspection_from_schema(build_schema(schema_options(settings))._schema)
    return schemathesis.graphql.from_dict({"data": introspection})


Operation = APIOperation[Any, Any, Any, Any]


def _valid(schema: BaseSchema) -> list[Operation]:
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operations.append(result.ok())
    return operations


def _operations(schema: GraphQLSchema) -> list[Operation]:
    """Every root field, the federation ones (`_entities`, `_service`) included: schemathesis hides
    those unless they are asked for by name."""
    federation = schema.include(name=["Query._entities", "Query._service"])
    return _valid(schema) + _valid(federation)


@pytest.fixture
def http_session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False  # never a proxy: 127.0.0.1 only
        yield session


def test_the_fuzzer_covers_every_root_field(graphql_schema: GraphQLSchema) -> None:
    labels = [operation.label for operation in _operations(graphql_schema)]
    assert len(labels) == len(set(labels)), labels
    root = build_schema()._schema
    assert root.query_type is not None and root.mutation_type is not None
    expected = {f"Query.{name}" for name in root.query_type.fields} | {
        f"Mutation.{name}" for name in root.mutation_type.fields
    }
    assert set(labels) == expected


class Fuzzer:
    """Sends generated documents to the live server and keeps the first finding of each kind. A request
    that gets no answer in time is a finding too, and ends the run (the server is stuck)."""

    def __init__(
        self, endpoint: str, session: requests.Session, caller: str, headers: dict[str, str]
    ) -> None:
        self.endpoint = endpoint
        self.session = session
        self.caller = caller
        self.headers = headers
        self.findings: dict[tuple[str, str, str], Finding] = {}
        self.sent = 0
        self.stuck = False

    def _record(
        self, operation: Operation, mode: GenerationMode, problem: str, document: str, **reply: Any
    ) -> None:
        self.findings.setdefault(
            (operation.label, mode.value, problem.split(":")[0]),
            Finding(operation.label, self.caller, mode.value, problem, document, **reply),
        )

    def run(self, operation: Operation, mode: GenerationMode, max_examples: int) -> None:
        @_fuzz_settings(max_examples)
        @given(case=operation.as_strategy(generation_mode=mode))
        def send(case: Any) -> None:
            if self.stuck:
                return
            document = str(case.body)
            try:
                response = case.call(
                    base_url=self.endpoint,
                    session=self.session,
                    headers=self.headers,
                    timeout=REQUEST_TIMEOUT,
                )
            except requests.RequestException as exc:
                self.stuck = True
                self._record(operation, mode, f"no response: {exc!r}", document, status=0, body="")
                return
            self.sent += 1
            content_type = ",".join(response.headers.get("content-type", []))
            for problem in response_problems(response.status_code, content_type, response.text):
                self._record(
                    operation, mode, problem, document, status=response.status_code, body=response.text
                )

        send()


@pytest.mark.parametrize("caller", ["anonymous", "owner"])
def test_fuzz_whole_schema_never_fails_on_the_server(
    caller: str, graphql_schema: GraphQLSchema, fuzz_server: LiveServer, http_session: requests.Session
) -> None:
    headers = {"Authorization": f"Bearer {_owner_token(fuzz_server)}"} if caller == "owner" else {}
    fuzzer = Fuzzer(f"{fuzz_server.url}/graphql", http_session, caller, headers)
    operations = _operations(graphql_schema)
    for operation in operations:
        for mode, max_examples in EXAMPLES.items():
            fuzzer.run(operation, mode, max_examples)
    gc.collect()  # resolver coroutines the server dropped are reported here, not in a later test

    assert not fuzzer.findings, f"{len(fuzzer.findings)} server-side failure(s):\n\n" + "\n\n".join(
        str(finding) for finding in fuzzer.findings.values()
    )
    assert fuzzer.sent >= len(operations) * 10, (
        f"only {fuzzer.sent} requests for {len(operations)} operations"
    )


def test_schemathesis_loads_the_schema_over_http(
    fuzz_server: LiveServer, graphql_schema: GraphQLSchema
) -> None:
    """Schemathesis (and GraphiQL, and every client generator) fetches the schema with the standard
    introspection query; in development, where introspection is on, the server must answer it."""
    endpoint = f"{fuzz_server.url}/graphql"
    response = httpx.post(endpoint, json={"query": get_introspection_query(descriptions=True)}, timeout=30)
    body = response.json()
    assert response.status_code == 200, body
    assert not body.get("errors"), body["errors"]
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
    loaded = schemathesis.graphql.from_url(endpoint, timeout=30)
    over_http = {operation.label for operation in _valid(loaded)}
    in_process = {operation.label for operation in _valid(graphql_schema)}
    assert in_process
    assert over_http == in_process


# Found by this fuzzer: a field that fails validation of its arguments beside a sibling that is still
# reading the database. Repeated a few times, it must not leave a transaction (and on SQLite the write
# lock) behind: afterwards every request would wait for the lock and end in HTTP 500 "database is locked".
SIBLING_FAILURE = """
{
  viewer {
    a: permissions
    b: permissions
    organizations { invitations(before: "") { totalCount } }
    c: permissions
    d: permissions
  }
}
"""


def test_a_failing_field_beside_a_database_read_leaves_the_server_usable(fuzz_server: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {_owner_token(fuzz_server)}"}
    with httpx.Client(base_url=fuzz_server.url, headers=headers, timeout=WEDGED_AFTER) as http:
        for attempt in range(30):
            try:
                response = http.post("/graphql", json={"query": SIBLING_FAILURE})
            except httpx.TimeoutException:
                pytest.fail(f"no answer within {WEDGED_AFTER:.0f}s on attempt {attempt + 1}")
            assert response.status_code == 200, response.text
            codes = [error["extensions"]["code"] for error in response.json()["errors"]]
            assert codes == ["BAD_USER_INPUT"], response.text
        try:
            after = http.post("/graphql", json={"query": "{ viewer { permissions } }"})
        except httpx.TimeoutException:
            pytest.fail("the server stopped answering after the failing documents")
        assert after.status_code == 200, after.text
        assert "members:invite" in after.json()["data"]["viewer"]["permissions"]
