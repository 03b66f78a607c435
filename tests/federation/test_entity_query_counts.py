"""`_entities` runs a fixed number of SQL statements whatever the number of representations: the
references of each type are one batch of its loader, and their nested fields load through loaders too."""

from __future__ import annotations

from itertools import cycle
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from tests.auth.test_query_counts import count_statements
from tests.billing import flow as billing
from tests.federation.world import METERS, World, build_world
from tests.helpers import GraphQL, unique
from tests.marketplace import flow as market
from tests.marketplace.test_installs import release

PACKAGES = """
query PackageEntities($r: [_Any!]!) { _entities(representations: $r) {
  ... on Package { id fullName pricing { model amount } publisher { namespace signingIdentities { id } }
                   latestVersion { version } }
} }
"""
NODES = """
query PackageNodes($ids: [ID!]!) { nodes(ids: $ids) {
  ... on Package { id fullName publisher { namespace signingIdentities { id } } latestVersion { version } }
} }
"""
# Every entity type, with the nested fields a partner would ask for (connections aside: a page per
# parent, as in any list).
EVERYTHING = """
query Entities($r: [_Any!]!) { _entities(representations: $r) {
  __typename
  ... on Organization { id slug name }
  ... on User { id displayName email }
  ... on Publisher { id namespace signingIdentities { id keyFingerprint } }
  ... on Package { id fullName publisher { namespace } latestVersion { version } }
  ... on PackageVersion { id version status package { fullName } verification { signingIdentity { id } }
                          transitions { toStatus } }
  ... on Install { id active flag package { fullName } installed: version { version } }
  ... on Plan { id key monthlyFee { amount } prices { model meter { key } } }
  ... on Meter { id key unit }
  ... on Invoice { id number total { amount } lines { kind amount { amount } meter { key } package { id } } }
} }
"""
CREATE_ORGANIZATION = """
mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { id } userErrors { code } }
}
"""


async def _statements(
    gql: GraphQL, app: FastAPI, query: str, variables: dict[str, Any], token: str, field: str = "_entities"
) -> int:
    with count_statements(app) as statements:
        response = await gql.raw(query, variables, token=token)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    assert None not in body["data"][field], body  # every one resolved: nothing cut short
    return len(statements)


async def test_a_hundred_packages_take_as_many_statements_as_one(gql: GraphQL, app: FastAPI) -> None:
    pub = await market.publisher(gql)
    ids = [await market.create_package(gql, pub, unique("pkg")) for _ in range(100)]
    token = pub.account.access_token

    def entities(n: int) -> dict[str, Any]:
        return {"r": [{"__typename": "Package", "id": i} for i in ids[:n]]}

    one = await _statements(gql, app, PACKAGES, entities(1), token)
    hundred = await _statements(gql, app, PACKAGES, entities(100), token)
    assert hundred == one, f"{one} statements for one package, {hundred} for a hundred"
    # node(id:)'s plural shares the loaders: it batches too
    one = await _statements(gql, app, NODES, {"ids": ids[:1]}, token, "nodes")
    hundred = await _statements(gql, app, NODES, {"ids": ids}, token, "nodes")
    assert hundred == one, f"nodes: {one} statements for one package, {hundred} for a hundred"


async def test_a_hundred_entities_of_every_type_take_as_many_statements_as_nine(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    world = await build_world(gql, app, tmp_path)
    owner = world.owner
    token = owner.access_token
    small = await _statements(gql, app, EVERYTHING, {"r": world.representations()}, token)

    pools = [cycle(pool) for pool in (await _more_of_each_type(gql, app, tmp_path, world)).values()]
    representations = [next(pool) for _ in range(12) for pool in pools][:100]  # the types in turn
    large = await _statements(gql, app, EVERYTHING, {"r": representations}, token)
    assert large == small, f"{small} statements for nine entities, {large} for a hundred"


async def _more_of_each_type(
    gql: GraphQL, app: FastAPI, tmp_path: Path, world: World
) -> dict[str, list[dict[str, str]]]:
    """Distinct objects of each entity type the world's owner may see (one for Install and Invoice)."""
    owner = world.owner
    ids: dict[str, list[str]] = {name: [value] for name, value in world.ids.items()}
    for _ in range(4):
        payload = (
            await gql(
                CREATE_ORGANIZATION,
                {"input": {"name": "Another", "slug": unique("org")}},
                token=owner.access_token,
            )
        )["createOrganization"]
        assert payload["userErrors"] == [], payload
        ids["Organization"].append(payload["organization"]["id"])
    ids["User"] += [owner.user_id, world.accountant.user_id]
    for _ in range(3):
        other = await market.publisher(gql)
        ids["Publisher"].append(
            (await gql("{ myPublisher { id } }", token=other.account.access_token))["myPublisher"]["id"]
        )
    pub = world.publisher
    for _ in range(8):
        ids["Package"].append(await market.create_package(gql, pub, unique("pkg")))
    ids["PackageVersion"] += [world.private_version]
    for version in ("0.2.0", "0.3.0"):
        released = await release(gql, tmp_path, pub, world.private_package, version, None, name="hidden")
        ids["PackageVersion"].append(released["id"])
    operator = await billing.operator(gql, app)
    for _ in range(4):
        ids["Plan"].append((await billing.create_plan(gql, operator))["id"])
    ids["Meter"] = [m["id"] for m in (await gql(METERS, token=owner.access_token))["meters"]]
    return {name: [{"__typename": name, "id": i} for i in values] for name, values in ids.items()}
