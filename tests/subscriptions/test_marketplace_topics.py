"""Marketplace topics: packageStatus shows each caller what it may watch of a package's review (the
owner everything, trusted reviewers the review, the public the listed steps), marketplaceActivity
announces publications of public packages only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from tests.conftest import LiveServer
from tests.helpers import GraphQL, member_with_role, sign_up, unique
from tests.marketplace import flow
from tests.marketplace.test_installs import release
from tests.subscriptions.client import Client, codes, signed_in

STATUS = """
subscription($id: ID!) {
  packageStatus(packageId: $id) {
    packageId versionId versionNumber fromStatus toStatus reason occurredAt
    version { id version status } package { id fullName }
  }
}
"""
ACTIVITY = """
subscription { marketplaceActivity { occurredAt package { id fullName visibility } version { id version status } } }
"""
REVIEW = (
    "mutation($input: ReviewInput!) {{ {name}(input: $input) {{ version {{ id status }} "
    "userErrors {{ field code }} }} }}"
)


async def steps(client: Client, id: str, count: int) -> list[tuple[str | None, str, str]]:
    """The next `count` transitions of subscription `id`: (from, to, version)."""
    found = []
    for _ in range(count):
        change = (await client.data(id))["packageStatus"]
        found.append((change["fromStatus"], change["toStatus"], change["versionNumber"]))
    return found


async def test_the_owner_sees_every_transition_of_its_package(
    server: LiveServer, live_gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(live_gql)
    name = unique("watched")
    package_id = await flow.create_package(live_gql, pub, name)
    reviewer = await flow.trusted_reviewer(live_gql, app)
    async with signed_in(server, pub.account.access_token) as client:
        await client.start("s", STATUS, {"id": package_id})
        version = await release(live_gql, tmp_path, pub, package_id, "1.0.0", reviewer, name=name)
        first = (await client.data("s"))["packageStatus"]
        assert first["packageId"] == package_id and first["versionId"] == version["id"]
        assert first["package"] == {"id": package_id, "fullName": f"{pub.namespace}/{name}"}
        assert first["version"]["id"] == version["id"] and first["version"]["version"] == "1.0.0"
        assert (first["fromStatus"], first["toStatus"]) == (None, "DRAFT")
        assert await steps(client, "s", 4) == [
            ("DRAFT", "SUBMITTED", "1.0.0"),
            ("SUBMITTED", "IN_REVIEW", "1.0.0"),
            ("IN_REVIEW", "APPROVED", "1.0.0"),
            ("APPROVED", "PUBLISHED", "1.0.0"),
        ]


async def test_reviewers_see_the_review_and_the_public_the_listed_steps(
    server: LiveServer, live_gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(live_gql)
    name = unique("public")
    package_id = await flow.create_package(live_gql, pub, name)
    reviewer = await flow.trusted_reviewer(live_gql, app)
    first = await release(live_gql, tmp_path, pub, package_id, "1.0.0", reviewer, name=name)
    stranger = await sign_up(live_gql, prefix="stranger")
    async with (
        signed_in(server, stranger.access_token) as public,
        signed_in(server, reviewer.access_token) as review,
    ):
        await public.start("s", STATUS, {"id": package_id})
        await review.start("s", STATUS, {"id": package_id})
        await release(live_gql, tmp_path, pub, package_id, "1.1.0", reviewer, name=name)
        yanked = (
            await live_gql(
                REVIEW.format(name="yankVersion"),
                {"input": {"versionId": first["id"], "reason": "superseded"}},
                token=pub.account.access_token,
            )
        )["yankVersion"]
        assert yanked["userErrors"] == []
        # never DRAFT, never the review: the first thing the public hears is the publication
        assert await steps(public, "s", 2) == [
            ("APPROVED", "PUBLISHED", "1.1.0"),
            ("PUBLISHED", "YANKED", "1.0.0"),
        ]
        assert await steps(review, "s", 5) == [
            ("DRAFT", "SUBMITTED", "1.1.0"),
            ("SUBMITTED", "IN_REVIEW", "1.1.0"),
            ("IN_REVIEW", "APPROVED", "1.1.0"),
            ("APPROVED", "PUBLISHED", "1.1.0"),
            ("PUBLISHED", "YANKED", "1.0.0"),
        ]


async def test_package_status_of_a_package_out_of_sight_is_refused(
    server: LiveServer, live_gql: GraphQL, app: FastAPI
) -> None:
    pub = await flow.publisher(live_gql)
    private_id = await flow.create_package(live_gql, pub, unique("private"), visibility="PRIVATE")
    unpublished_id = await flow.create_package(live_gql, pub, unique("unpublished"))
    stranger = await sign_up(live_gql, prefix="stranger")
    finance = await member_with_role(live_gql, pub.account, "billing", prefix="finance")
    async with signed_in(server, stranger.access_token) as client:
        # another organization's private package, a public one with nothing published, no package at
        # all: the same answer, so nothing tells them apart
        for id, package in [("private", private_id), ("unpublished", unpublished_id), ("garbage", "nope")]:
            await client.subscribe(id, STATUS, {"id": package})
            errors = await client.ending(id)
            assert codes(errors) == ["NOT_FOUND"] and errors[0]["message"] == "No such package.", id
    async with signed_in(server, finance.access_token) as client:  # a member without packages:read
        await client.subscribe("own", STATUS, {"id": private_id})
        assert codes(await client.ending("own")) == ["FORBIDDEN"]


async def test_marketplace_activity_announces_public_publications_only(
    server: LiveServer, live_gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(live_gql)
    reviewer = await flow.trusted_reviewer(live_gql, app)
    private_name, public_name = unique("private"), unique("public")
    private_id = await flow.create_package(live_gql, pub, private_name, visibility="PRIVATE")
    public_id = await flow.create_package(live_gql, pub, public_name)
    stranger = await sign_up(live_gql, prefix="watcher")
    async with (
        signed_in(server, stranger.access_token) as watcher,
        signed_in(server, pub.account.access_token) as owner,
    ):
        await watcher.start("a", ACTIVITY)
        await owner.start("a", ACTIVITY)
        # a private package is reviewed and published inside its organization: not activity
        await release(live_gql, tmp_path, pub, private_id, "1.0.0", pub.account, name=private_name)
        published = await release(live_gql, tmp_path, pub, public_id, "2.0.0", reviewer, name=public_name)
        for client in (watcher, owner):
            seen: dict[str, Any] = (await client.data("a"))["marketplaceActivity"]
            assert seen["package"] == {
                "id": public_id,
                "fullName": f"{pub.namespace}/{public_name}",
                "visibility": "PUBLIC",
            }
            assert seen["version"] == {"id": published["id"], "version": "2.0.0", "status": "PUBLISHED"}
