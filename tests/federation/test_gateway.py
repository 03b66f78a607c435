"""ATOM composed with a partner's subgraph (reviews_subgraph.py) and served by a real gateway
(gateway/serve.mjs), all on 127.0.0.1: queries that span both subgraphs, the caller's token passed on
to ATOM and enforced there, and subscriptions through the gateway (graphql-transport-ws and SSE from the
client, graphql-transport-ws to ATOM) with each caller's credential in ATOM's `connection_init`."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry
from fastapi import FastAPI
from graphql import ObjectTypeDefinitionNode, parse, print_ast
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL as GraphQLApp
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError
from websockets.typing import Subprotocol

from domain.clock import clock
from domain.events.bus import bus
from tests.auth.oidc import identity_provider, trust
from tests.conftest import LiveServer, free_port
from tests.federation.reviews_subgraph import ReviewStore, make_app
from tests.helpers import Account, GraphQL, log_in, member_with_role, sign_up, unique
from tests.marketplace import flow
from tests.marketplace.test_installs import release
from tests.marketplace.wpk_builder import build_wpk, default_manifest
from tests.subscriptions.client import LEGACY_WS, TIMEOUT, TRANSPORT_WS, Client, codes, until
from tests.subscriptions.test_audit_events import AUDIT_EVENTS, CREATE_ROLE, LOG, pk

GATEWAY_DIR = Path(__file__).resolve().parent / "gateway"
READY = "gateway ready on "


def _gateway_command(*args: str) -> list[str]:
    """`node serve.mjs ARGS`, once its dependencies are installed: skipped without them, failed in CI."""
    problem = None
    if shutil.which("node") is None:
        problem = "node is not installed"
    elif not (GATEWAY_DIR / "node_modules").is_dir():
        problem = f"{GATEWAY_DIR}/node_modules is missing: run `scripts/sdk.sh gateway-deps`"
    if problem:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"the gateway tests cannot run in CI: {problem}")
        pytest.skip(problem)
    return ["node", str(GATEWAY_DIR / "serve.mjs"), *args]


def _subgraph_args(subgraphs: dict[str, LiveServer]) -> list[str]:
    return [
        arg for name, server in subgraphs.items() for arg in ("--subgraph", f"{name}={server.url}/graphql")
    ]


@dataclass
class Gateway:
    url: str
    supergraph: Path


@pytest.fixture(scope="module")
def reviews_store() -> ReviewStore:
    return ReviewStore()


@pytest.fixture(scope="module")
def reviews_server(reviews_store: ReviewStore) -> Iterator[LiveServer]:
    server = LiveServer(make_app(reviews_store))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gateway(
    live_server: LiveServer, reviews_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    """One gateway for the module: node composes ATOM and the partner, then serves the supergraph."""
    work = tmp_path_factory.mktemp("gateway")
    port = free_port()
    supergraph, log = work / "supergraph.graphql", work / "gateway.log"
    subgraphs = {"atom": live_server, "reviews": reviews_server}
    command = _gateway_command(
        *_subgraph_args(subgraphs), "--supergraph", str(supergraph), "--port", str(port)
    )
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=GATEWAY_DIR)
    try:
        deadline = time.monotonic() + 60
        while READY not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the gateway did not start (exit {process.poll()}):\n{log.read_text()}")
            time.sleep(0.05)
        yield Gateway(url=f"http://127.0.0.1:{port}/graphql", supergraph=supergraph)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
async def atom(live_server: LiveServer) -> AsyncIterator[GraphQL]:
    """A client of ATOM itself (the live server behind the gateway), to set the scene."""
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as http:
        yield GraphQL(http)


@pytest.fixture(scope="module")
async def through_gateway(gateway: Gateway) -> AsyncIterator[GraphQL]:
    async with httpx.AsyncClient(base_url=gateway.url.removesuffix("/graphql"), timeout=30) as http:
        yield GraphQL(http)


@dataclass
class Scene:
    owner: Account  # of organization A, the publisher of both packages
    outsider: Account  # of organization B
    public: dict[str, str]  # id, fullName, title
    private: dict[str, str]


ADD_REVIEW = """
mutation($id: ID!, $stars: Int!, $body: String!, $author: String!) {
  addReview(packageId: $id, stars: $stars, body: $body, author: $author) { stars }
}
"""


@pytest.fixture(scope="module")
async def scene(
    atom: GraphQL, app: FastAPI, reviews_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Scene:
    """Organization A publishes a public package (reviewed, so listed) and keeps a private one; B is
    another organization. The partner holds reviews of both, the private one rated best so it comes first."""
    pub = await flow.publisher(atom)
    public_id = await flow.create_package(atom, pub, "listed")
    artifact = build_wpk(
        tmp_path_factory.mktemp("wpk") / "listed-1.0.0.tar.gz", manifest=default_manifest("listed")
    )
    published = await flow.publish(atom, pub, public_id, artifact)
    assert published["userErrors"] == [], published
    reviewer = await flow.trusted_reviewer(atom, app)
    approved = await atom(
        flow.APPROVE, {"input": {"versionId": published["version"]["id"]}}, token=reviewer.access_token
    )
    assert approved["approveVersion"]["userErrors"] == [], approved
    private_id = await flow.create_package(atom, pub, "secret", visibility="PRIVATE")
    outsider = await sign_up(atom, prefix="outsider")

    async with httpx.AsyncClient(base_url=reviews_server.url) as http:
        partner = GraphQL(http)
        for package_id, stars, author in [
            (public_id, 5, "ada"),
            (public_id, 4, "grace"),
            (private_id, 5, "linus"),
        ]:
            await partner(
                ADD_REVIEW, {"id": package_id, "stars": stars, "body": f"{stars} stars", "author": author}
            )
    return Scene(
        owner=pub.account,
        outsider=outsider,
        public={"id": public_id, "fullName": f"{pub.namespace}/listed", "title": "The listed workflow"},
        private={"id": private_id, "fullName": f"{pub.namespace}/secret", "title": "The secret workflow"},
    )


TOP_RATED = "{ topRatedPackages { id averageRating fullName title reviews { stars author } } }"
PACKAGE = """
query($fullName: String!) { package(fullName: $fullName) { id fullName visibility averageRating reviews { stars body author } } }
"""
CATALOG = """
query($q: String) { marketplacePackages(query: $q) { totalCount nodes { fullName averageRating reviews { author } } } }
"""

PUBLIC_REVIEWS = [{"stars": 5, "author": "ada"}, {"stars": 4, "author": "grace"}]
PRIVATE_REVIEWS = [{"stars": 5, "author": "linus"}]


def _top_rated_item(package: dict[str, str], average: float, reviews: list[dict[str, Any]]) -> dict[str, Any]:
    return {**package, "averageRating": average, "reviews": reviews}


# ---------------------------------------------------------------- composition


def _type(supergraph: str, name: str) -> ObjectTypeDefinitionNode:
    found = [
        d
        for d in parse(supergraph).definitions
        if isinstance(d, ObjectTypeDefinitionNode) and d.name.value == name
    ]
    assert len(found) == 1, name
    return found[0]


async def test_the_supergraph_joins_package_from_both_subgraphs(gateway: Gateway) -> None:
    package = _type(gateway.supergraph.read_text(), "Package")
    assert sorted(print_ast(d) for d in package.directives or () if d.name.value == "join__type") == [
        '@join__type(graph: ATOM, key: "id")',
        '@join__type(graph: REVIEWS, key: "id")',
    ]
    owners = {
        field.name.value: [print_ast(d) for d in field.directives or () if d.name.value == "join__field"]
        for field in package.fields or ()
    }
    assert owners["id"] == []  # the key, resolvable in both
    assert owners["fullName"] == owners["title"] == owners["visibility"] == ["@join__field(graph: ATOM)"]
    assert owners["reviews"] == owners["averageRating"] == ["@join__field(graph: REVIEWS)"]


@strawberry.federation.type(keys=["id"], name="Package")
class ConflictingPackage:
    id: strawberry.ID
    full_name: str  # ATOM resolves Package.fullName and does not share it

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ConflictingPackage:
        return cls(id=id, full_name="not yours to define")


@strawberry.type(name="Query")
class ConflictingQuery:
    @strawberry.field
    def renamed_packages(self) -> list[ConflictingPackage]:
        return []


async def test_a_partner_redefining_an_atom_field_does_not_compose(
    live_server: LiveServer, tmp_path: Path
) -> None:
    conflicting_schema = strawberry.federation.Schema(query=ConflictingQuery)
    partner = LiveServer(Starlette(routes=[Route("/graphql", GraphQLApp(conflicting_schema))]))
    partner.start()
    try:
        command = _gateway_command(
            *_subgraph_args({"atom": live_server, "renamer": partner}),
            "--supergraph",
            str(tmp_path / "supergraph.graphql"),
            "--compose-only",
        )
        result = await asyncio.to_thread(
            subprocess.run, command, capture_output=True, text=True, timeout=60, cwd=GATEWAY_DIR, check=False
        )
    finally:
        partner.stop()
    assert result.returncode == 1, result
    assert result.stderr.splitlines() == [
        "serve.mjs: composition failed with 1 error(s):",
        'INVALID_FIELD_SHARING: Non-shareable field "Package.fullName" is resolved from multiple subgraphs: '
        'it is resolved from subgraphs "atom" and "renamer" and defined as non-shareable in all of them',
    ]
    assert not (tmp_path / "supergraph.graphql").exists()


# ---------------------------------------------------------------- queries across both subgraphs


async def test_the_partners_top_rated_resolve_package_fields_from_atom(
    through_gateway: GraphQL, scene: Scene
) -> None:
    data = await through_gateway(TOP_RATED, token=scene.owner.access_token)
    assert data["topRatedPackages"] == [
        _top_rated_item(scene.private, 5, PRIVATE_REVIEWS),
        _top_rated_item(scene.public, 4.5, PUBLIC_REVIEWS),
    ]


async def test_an_atom_package_resolves_its_reviews_from_the_partner(
    through_gateway: GraphQL, scene: Scene
) -> None:
    data = await through_gateway(PACKAGE, {"fullName": scene.public["fullName"]})
    assert data["package"] == {
        "id": scene.public["id"],
        "fullName": scene.public["fullName"],
        "visibility": "PUBLIC",
        "averageRating": 4.5,
        "reviews": [
            {"stars": 5, "body": "5 stars", "author": "ada"},
            {"stars": 4, "body": "4 stars", "author": "grace"},
        ],
    }


async def test_the_catalog_resolves_reviews_for_what_each_caller_may_see(
    through_gateway: GraphQL, scene: Scene
) -> None:
    namespace = scene.public["fullName"].split("/")[0]
    own = (await through_gateway(CATALOG, {"q": namespace}, token=scene.owner.access_token))[
        "marketplacePackages"
    ]
    assert own["totalCount"] == 2
    assert sorted(own["nodes"], key=lambda node: node["fullName"]) == [
        {
            "fullName": scene.public["fullName"],
            "averageRating": 4.5,
            "reviews": [{"author": "ada"}, {"author": "grace"}],
        },
        {"fullName": scene.private["fullName"], "averageRating": 5, "reviews": [{"author": "linus"}]},
    ]
    other = (await through_gateway(CATALOG, {"q": namespace}, token=scene.outsider.access_token))[
        "marketplacePackages"
    ]
    assert other == {
        "totalCount": 1,
        "nodes": [
            {
                "fullName": scene.public["fullName"],
                "averageRating": 4.5,
                "reviews": [{"author": "ada"}, {"author": "grace"}],
            }
        ],
    }


# ---------------------------------------------------------------- the caller's token, enforced by ATOM


async def test_the_owner_sees_its_private_package_through_the_gateway(
    through_gateway: GraphQL, scene: Scene
) -> None:
    data = await through_gateway(
        PACKAGE, {"fullName": scene.private["fullName"]}, token=scene.owner.access_token
    )
    assert data["package"] == {
        "id": scene.private["id"],
        "fullName": scene.private["fullName"],
        "visibility": "PRIVATE",
        "averageRating": 5,
        "reviews": [{"stars": 5, "body": "5 stars", "author": "linus"}],
    }


@pytest.mark.parametrize("caller", ["outsider", "anonymous"])
async def test_the_private_package_is_null_for_anyone_else(
    through_gateway: GraphQL, scene: Scene, caller: str
) -> None:
    token = scene.outsider.access_token if caller == "outsider" else None
    # Starting in ATOM: the package is not found for this caller.
    assert await through_gateway(PACKAGE, {"fullName": scene.private["fullName"]}, token=token) == {
        "package": None
    }

    # Starting at the partner, which cannot know: ATOM's `_entities` answers null for the private package, so
    # its non-null fields cannot be filled and the item is null; the gateway masks that error. The public
    # package still resolves.
    response = await through_gateway.raw(TOP_RATED, token=token)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"topRatedPackages": [None, _top_rated_item(scene.public, 4.5, PUBLIC_REVIEWS)]}
    assert [(e["path"], e["extensions"]) for e in body["errors"]] == [
        (["topRatedPackages", 0, "fullName"], {"code": "INTERNAL_SERVER_ERROR"})
    ]
    assert scene.private["fullName"] not in response.text
    assert scene.private["title"] not in response.text


def _forged(token: str) -> str:
    """The token with its subject changed and its signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def _expired(atom: GraphQL, account: Account) -> str:
    """A real log-in an hour ago: its 15-minute token ran out long since."""
    clock.freeze(datetime.now(UTC) - timedelta(hours=1))
    try:
        return (await log_in(atom, account.email, account.organization_slug)).access_token
    finally:
        clock.unfreeze()


@pytest.mark.parametrize(("kind", "reason"), [("forged", "INVALID_SIGNATURE"), ("expired", "TOKEN_EXPIRED")])
async def test_a_bad_token_is_refused_by_atom_through_the_gateway(
    through_gateway: GraphQL, atom: GraphQL, scene: Scene, kind: str, reason: str
) -> None:
    token = _forged(scene.owner.access_token) if kind == "forged" else await _expired(atom, scene.owner)
    refused = {"code": "UNAUTHENTICATED", "reason": reason, "serviceName": "atom"}

    # ATOM answers 401; the gateway turns it into errors that keep ATOM's code and reason, in a 200.
    response = await through_gateway.raw(PACKAGE, {"fullName": scene.public["fullName"]}, token=token)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"package": None}
    assert [(e["path"], e["extensions"]) for e in body["errors"]] == [(["package"], refused)]

    # Starting at the partner, which does not check tokens: every package field ATOM would give is refused.
    response = await through_gateway.raw(TOP_RATED, token=token)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"topRatedPackages": [None, None]}
    assert body["errors"]
    assert all(e["extensions"] == refused for e in body["errors"]), body["errors"]
    assert scene.private["title"] not in response.text


async def test_the_callers_headers_reach_every_subgraph(
    through_gateway: GraphQL, scene: Scene, reviews_store: ReviewStore
) -> None:
    assert scene.owner.organization_slug is not None
    reviews_store.headers_seen.clear()
    headers = {
        "Authorization": f"Bearer {scene.owner.access_token}",
        "X-Atom-Organization": scene.owner.organization_slug,
    }
    response = await through_gateway.http.post("/graphql", json={"query": TOP_RATED}, headers=headers)
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["topRatedPackages"][0]["fullName"] == scene.private["fullName"]  # ATOM had the token
    assert reviews_store.headers_seen == [
        {
            "authorization": f"Bearer {scene.owner.access_token}",
            "x-atom-organization": scene.owner.organization_slug,
        }
    ]

    reviews_store.headers_seen.clear()
    await through_gateway(PACKAGE, {"fullName": scene.public["fullName"]})
    assert reviews_store.headers_seen == [{"authorization": None, "x-atom-organization": None}]


async def test_a_trusted_issuers_token_reaches_atom_with_the_organization_it_names(
    through_gateway: GraphQL, atom: GraphQL, scene: Scene
) -> None:
    """An identity provider trusted by two organizations: `X-Atom-Organization` (passed on by the
    gateway) says which one its token acts for, and ATOM shows that organization's private package."""
    assert scene.owner.organization_slug is not None and scene.outsider.organization_slug is not None
    with identity_provider() as provider:
        await trust(atom, scene.owner, provider)
        await trust(atom, scene.outsider, provider)
        token = provider.token()
        variables = {"fullName": scene.private["fullName"]}
        for slug, seen in ((scene.owner.organization_slug, True), (scene.outsider.organization_slug, False)):
            data = await through_gateway(PACKAGE, variables, token=token, **{"X-Atom-Organization": slug})
            assert (data["package"] is not None) == seen, data
        # Without the header ATOM cannot tell which organization is meant, and says so.
        response = await through_gateway.raw(PACKAGE, variables, token=token)
        body = response.json()
        assert body["data"] == {"package": None}
        assert [e["extensions"]["reason"] for e in body["errors"]] == ["ORGANIZATION_REQUIRED"]


# ---------------------------------------------------------------- subscriptions through the gateway
#
# ATOM runs in this process, so its event bus tells when a stream reached it (Client.start): nothing
# committed from then on can pass it by.


@pytest.fixture(autouse=True)
async def _no_streams_left() -> None:
    """Each test starts once the streams of the one before are gone (the gateway completes a client's
    upstream subscriptions when the client leaves), so a new stream can be told by the bus's count."""
    await until(lambda: bus.hub.subscribers == 0)


@asynccontextmanager
async def gateway_ws(
    gateway: Gateway, payload: dict[str, Any] | None, headers: dict[str, str] | None = None
) -> AsyncIterator[Client]:
    """A graphql-transport-ws connection to the gateway (upgraded with `headers`), initialised with
    `payload`. The gateway acknowledges any payload: ATOM judges the credential when the first
    subscription reaches it."""
    async with connect(
        gateway.url.replace("http://", "ws://", 1),
        subprotocols=[Subprotocol(TRANSPORT_WS)],
        additional_headers=headers,
        compression=None,
        open_timeout=TIMEOUT,
        close_timeout=5,
    ) as connection:
        client = Client(connection, TRANSPORT_WS)
        ack = await client.init(payload)
        assert ack["type"] == "connection_ack", ack
        yield client


def bearer(credential: str) -> dict[str, str]:
    """A `connection_init` payload, as ATOM itself takes it."""
    return {"authorization": f"Bearer {credential}"}


@asynccontextmanager
async def sse(
    gateway: Gateway, query: str, *, reaches_atom: bool = True, **headers: str
) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
    """A subscription over SSE (a POST with `Accept: text/event-stream`): the payloads of its `next`
    events, until `complete`. Given once the stream is running in ATOM, unless ATOM is to refuse it."""
    before = bus.hub.subscribers
    async with (
        httpx.AsyncClient(timeout=TIMEOUT) as http,
        http.stream(
            "POST",
            gateway.url,
            json={"query": query},
            headers={"Accept": "text/event-stream", **headers},
        ) as response,
    ):
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _sse_results(response)
        if reaches_atom:
            await until(lambda: bus.hub.subscribers > before)
        yield events


async def _sse_results(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The data of each `next` event (an event ends at a blank line), until `complete`."""
    event, data = None, []
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data.append(line.removeprefix("data:").strip())
        elif line == "":
            if event == "complete":
                return
            if event == "next":
                yield json.loads("\n".join(data))
            event, data = None, []


async def _create_role(gql: GraphQL, account: Account) -> None:
    made = await gql(
        CREATE_ROLE, {"input": {"name": unique("role"), "permissions": []}}, token=account.access_token
    )
    assert made["createRole"]["userErrors"] == [], made


def _chain(account: Account) -> str:
    assert account.organization_id is not None
    return f"org:{pk(account.organization_id)}"


async def test_each_tenant_hears_only_its_own_audit_events_through_the_gateway(
    gateway: Gateway, through_gateway: GraphQL, scene: Scene
) -> None:
    """Two tenants subscribed at once, each with its own credential: the owner's change, made through the
    gateway, reaches the owner's stream as ATOM stored it, and never the other tenant's."""
    async with (
        gateway_ws(gateway, bearer(scene.owner.access_token)) as mine,
        gateway_ws(gateway, bearer(scene.outsider.access_token)) as theirs,
    ):
        await mine.start("a", AUDIT_EVENTS)
        await theirs.start("a", AUDIT_EVENTS)
        await _create_role(through_gateway, scene.owner)
        entry = (await mine.data("a"))["auditEvents"]
        stored = (await through_gateway(LOG, token=scene.owner.access_token))["auditLog"]["nodes"][0]
        assert (entry["id"], entry["sequence"], entry["entryHash"]) == (
            stored["id"],
            stored["sequence"],
            stored["entryHash"],
        )
        assert (entry["action"], entry["chain"], entry["decision"]) == (
            "createRole",
            _chain(scene.owner),
            "ALLOW",
        )
        # Events arrive in commit order: the outsider's first is its own, committed after the owner's.
        await _create_role(through_gateway, scene.outsider)
        assert (await theirs.data("a"))["auditEvents"]["chain"] == _chain(scene.outsider)
        await _create_role(through_gateway, scene.owner)
        assert (await mine.data("a"))["auditEvents"]["chain"] == _chain(scene.owner)


RATED_STATUS = """
subscription($id: ID!) {
  packageStatus(packageId: $id) {
    fromStatus toStatus versionNumber reason
    package { id fullName averageRating reviews { stars author } }
  }
}
"""
YANK = """
mutation($input: ReviewInput!) { yankVersion(input: $input) { version { id status } userErrors { field code } } }
"""


async def test_a_package_status_event_carries_the_partners_rating(
    gateway: Gateway,
    through_gateway: GraphQL,
    atom: GraphQL,
    app: FastAPI,
    reviews_server: LiveServer,
    reviews_store: ReviewStore,
    tmp_path: Path,
) -> None:
    """An event from ATOM, joined with fields of the partner: the gateway resolves the package's rating
    from the reviews subgraph, asked with the subscriber's credential."""
    pub = await flow.publisher(atom)
    name = unique("rated")
    package_id = await flow.create_package(atom, pub, name)
    version = await release(
        atom, tmp_path, pub, package_id, "1.0.0", await flow.trusted_reviewer(atom, app), name=name
    )
    async with httpx.AsyncClient(base_url=reviews_server.url) as http:
        for stars, author in [(3, "ada"), (4, "grace")]:
            await GraphQL(http)(
                ADD_REVIEW, {"id": package_id, "stars": stars, "body": "ok", "author": author}
            )

    async with gateway_ws(gateway, bearer(pub.account.access_token)) as client:
        await client.start("s", RATED_STATUS, {"id": package_id})
        reviews_store.headers_seen.clear()
        yanked = await through_gateway(
            YANK,
            {"input": {"versionId": version["id"], "reason": "superseded"}},
            token=pub.account.access_token,
        )
        assert yanked["yankVersion"]["userErrors"] == [], yanked
        change = (await client.data("s"))["packageStatus"]
    assert change == {
        "fromStatus": "PUBLISHED",
        "toStatus": "YANKED",
        "versionNumber": "1.0.0",
        "reason": "superseded",
        "package": {
            "id": package_id,
            "fullName": f"{pub.namespace}/{name}",
            "averageRating": 3.5,
            "reviews": [{"stars": 3, "author": "ada"}, {"stars": 4, "author": "grace"}],
        },
    }
    assert reviews_store.headers_seen == [
        {"authorization": f"Bearer {pub.account.access_token}", "x-atom-organization": None}
    ]


@pytest.mark.parametrize("caller", ["anonymous", "no payload", "forged"])
async def test_a_subscription_without_a_valid_credential_is_refused_by_atom(
    gateway: Gateway, atom: GraphQL, scene: Scene, caller: str
) -> None:
    """ATOM closes the upstream connection with 4403 (graphql-transport-ws has no message for it); the
    gateway ends the client's subscription with ATOM's meaning of it, UNAUTHENTICATED, at once."""
    payload: dict[str, Any] | None
    if caller == "anonymous":
        payload = {}
    elif caller == "no payload":
        payload = None
    else:
        payload = bearer(_forged(scene.owner.access_token))
    async with gateway_ws(gateway, payload) as client:
        await client.subscribe("a", AUDIT_EVENTS)
        errors = await client.ending("a")
    assert [(e["path"], e["extensions"]) for e in errors] == [
        (["auditEvents"], {"code": "UNAUTHENTICATED", "closeCode": 4403, "serviceName": "atom"})
    ]


async def test_an_expired_token_is_refused_and_audited_by_atom(
    gateway: Gateway, atom: GraphQL, through_gateway: GraphQL, scene: Scene
) -> None:
    """The refusal is ATOM's own: a token whose signature holds but whose time is up is written to the
    organization's chain as a denied `authenticate`, as when it is presented to ATOM directly."""
    expired = await _expired(atom, scene.owner)
    async with gateway_ws(gateway, bearer(expired)) as client:
        await client.subscribe("a", AUDIT_EVENTS)
        errors = await client.ending("a")
    assert [e["extensions"] for e in errors] == [
        {"code": "UNAUTHENTICATED", "closeCode": 4403, "serviceName": "atom"}
    ]
    log = await through_gateway(
        "{ auditLog(last: 1) { nodes { action decision reason } } }", token=scene.owner.access_token
    )
    assert log["auditLog"]["nodes"] == [
        {"action": "authenticate", "decision": "DENY", "reason": "TOKEN_EXPIRED"}
    ]


async def test_a_query_over_the_gateways_websocket_acts_for_the_connections_credential(
    gateway: Gateway, scene: Scene
) -> None:
    """The gateway also runs queries sent over its WebSocket (ATOM takes only subscriptions there): they
    go to ATOM over HTTP with the connection's credential as `Authorization`."""
    async with gateway_ws(gateway, bearer(scene.outsider.access_token)) as client:
        await client.subscribe("q", "{ viewer { user { email } organization { slug } } }")
        assert await client.data("q") == {
            "viewer": {
                "user": {"email": scene.outsider.email},
                "organization": {"slug": scene.outsider.organization_slug},
            }
        }
        assert (await client.message_for("q"))["type"] == "complete"


async def test_a_websocket_client_may_give_its_credential_in_the_upgrade_headers(
    gateway: Gateway, through_gateway: GraphQL, scene: Scene
) -> None:
    """For clients that can set headers on the upgrade (not browsers): used when the `connection_init`
    payload names no credential."""
    upgrade = {"Authorization": f"Bearer {scene.owner.access_token}"}
    async with gateway_ws(gateway, None, headers=upgrade) as client:
        await client.start("a", AUDIT_EVENTS)
        await _create_role(through_gateway, scene.owner)
        assert (await client.data("a"))["auditEvents"]["chain"] == _chain(scene.owner)


async def test_the_legacy_websocket_protocol_is_not_offered_by_the_gateway(gateway: Gateway) -> None:
    """ATOM speaks subscriptions-transport-ws too; Hive Gateway's WebSocket server does not."""
    with pytest.raises(ConnectionClosedError) as refused:
        async with connect(
            gateway.url.replace("http://", "ws://", 1), subprotocols=[Subprotocol(LEGACY_WS)]
        ) as ws:
            await ws.recv()
    assert refused.value.rcvd is not None
    assert (refused.value.rcvd.code, refused.value.rcvd.reason) == (4406, "Subprotocol not acceptable")


async def test_a_topic_the_caller_may_not_read_is_forbidden_by_atom(
    gateway: Gateway, atom: GraphQL, scene: Scene
) -> None:
    """A signed-in caller without `audit:read`: ATOM's `error` answer to `subscribe` reaches the client
    with ATOM's code and message, not masked by the gateway."""
    developer = await member_with_role(atom, scene.owner, "developer")
    async with gateway_ws(gateway, bearer(developer.access_token)) as client:
        await client.subscribe("a", AUDIT_EVENTS)
        errors = await client.ending("a")
    assert [(e["message"], e["extensions"]) for e in errors] == [
        ("Missing permission audit:read.", {"code": "FORBIDDEN", "serviceName": "atom"})
    ]


async def test_losing_the_permission_mid_stream_ends_the_stream_through_the_gateway(
    gateway: Gateway, atom: GraphQL, through_gateway: GraphQL, scene: Scene
) -> None:
    admin = await member_with_role(atom, scene.owner, "admin")
    async with gateway_ws(gateway, bearer(admin.access_token)) as client:
        await client.start("a", AUDIT_EVENTS)
        await _create_role(through_gateway, scene.owner)
        assert (await client.data("a"))["auditEvents"]["action"] == "createRole"
        removed = await through_gateway(
            "mutation($input: RoleAssignmentInput!) { unassignRole(input: $input) { userErrors { code } } }",
            {"input": {"subjectId": admin.user_id, "role": "admin"}},
            token=scene.owner.access_token,
        )
        assert removed["unassignRole"]["userErrors"] == []
        await _create_role(through_gateway, scene.owner)
        errors = await client.ending("a")
    assert [(e["message"], e["extensions"]) for e in errors] == [
        ("The subscription's authorization was revoked.", {"code": "FORBIDDEN", "serviceName": "atom"})
    ]


async def test_an_sse_client_subscribes_with_its_headers(
    gateway: Gateway, through_gateway: GraphQL, scene: Scene
) -> None:
    async with sse(gateway, AUDIT_EVENTS, Authorization=f"Bearer {scene.owner.access_token}") as results:
        await _create_role(through_gateway, scene.owner)
        result = await anext(results)
    assert "errors" not in result, result
    assert (result["data"]["auditEvents"]["action"], result["data"]["auditEvents"]["chain"]) == (
        "createRole",
        _chain(scene.owner),
    )

    async with sse(gateway, AUDIT_EVENTS, reaches_atom=False) as results:
        refused = [result async for result in results]
    assert [[e["extensions"]["code"] for e in r["errors"]] for r in refused] == [["UNAUTHENTICATED"]]


async def test_a_trusted_issuers_token_subscribes_for_the_organization_it_names(
    gateway: Gateway, through_gateway: GraphQL, atom: GraphQL, scene: Scene
) -> None:
    """An identity provider trusted by two organizations: `organization` in the `connection_init`
    payload (or `X-Atom-Organization` over SSE) says which one its token's streams are for."""
    owner, outsider = scene.owner, scene.outsider
    assert owner.organization_slug is not None and outsider.organization_slug is not None
    with identity_provider() as provider:
        for account in (owner, outsider):
            await trust(atom, account, provider, allowedRoles=["admin"], defaultRoles=["admin"])
        token = provider.token(sub="auditor-bot")

        # Without the organization ATOM cannot tell which one is meant, and refuses the connection.
        async with gateway_ws(gateway, bearer(token)) as client:
            await client.subscribe("a", AUDIT_EVENTS)
            assert codes(await client.ending("a")) == ["UNAUTHENTICATED"]

        async with (
            gateway_ws(gateway, {**bearer(token), "organization": owner.organization_slug}) as client,
            sse(
                gateway,
                AUDIT_EVENTS,
                Authorization=f"Bearer {token}",
                **{"X-Atom-Organization": outsider.organization_slug},
            ) as outsiders,
        ):
            await client.start("a", AUDIT_EVENTS)
            await _create_role(through_gateway, outsider)
            await _create_role(through_gateway, owner)
            entry = (await client.data("a"))["auditEvents"]
            assert (entry["action"], entry["chain"]) == ("createRole", _chain(owner))
            seen = (await anext(outsiders))["data"]["auditEvents"]
            assert (seen["action"], seen["chain"]) == ("createRole", _chain(outsider))
