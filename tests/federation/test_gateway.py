"""ATOM composed with a partner's subgraph (reviews_subgraph.py) and served by a real gateway
(gateway/serve.mjs), all on 127.0.0.1: queries that span both subgraphs, and the caller's token passed on
to ATOM and enforced there."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
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

from domain.clock import clock
from tests.auth.oidc import identity_provider, trust
from tests.conftest import LiveServer, free_port
from tests.federation.reviews_subgraph import ReviewStore, make_app
from tests.helpers import Account, GraphQL, log_in, sign_up
from tests.marketplace import flow
from tests.marketplace.wpk_builder import build_wpk, default_manifest

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
