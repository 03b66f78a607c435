"""Domain events of the marketplace: recorded in the transaction of the change (a `domain_events`
row), released on the in-process bus only after commit, and never for a refused change."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select

from domain.clock import clock
from domain.events.bus import BusEvent, Subscription, bus
from domain.events.models import DomainEvent
from resolvers.ids import from_global_id
from tests.helpers import Account, GraphQL, sign_up
from tests.marketplace import flow
from tests.marketplace.wpk_builder import build_wpk

VERSIONS = """
query($name: String!) { package(fullName: $name) { versions(first: 50) { totalCount } } }
"""


def pk(global_id: str) -> uuid.UUID:
    decoded = from_global_id(global_id)
    assert decoded is not None, global_id
    return decoded[1]


def actor(account: Account) -> str:
    return f"user:{pk(account.user_id)}"


async def drain(subscription: Subscription) -> list[BusEvent]:
    """The domain events released so far: publish a marker and read up to it (delivery may be
    asynchronous, e.g. over PostgreSQL LISTEN/NOTIFY; every transport keeps publish order)."""
    marker = BusEvent(
        id=uuid.uuid4(),
        stream="domain",
        type="test.marker",
        organization_id=None,
        subject_id=None,
        actor="test",
        payload={},
        created_at=clock.now(),
    )
    bus.publish([marker])
    items = []
    while (item := await asyncio.wait_for(subscription.get(), 10)).id != marker.id:
        if item.stream == "domain":
            items.append(item)
    return items


async def stored_events(app: FastAPI, *subjects: uuid.UUID) -> list[DomainEvent]:
    async with app.state.sessionmaker() as session:
        stmt = select(DomainEvent).where(DomainEvent.subject_id.in_(subjects)).order_by(DomainEvent.id)
        return list((await session.execute(stmt)).scalars().all())


async def count_events(app: FastAPI) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(DomainEvent)) or 0)


async def test_events_are_recorded_with_the_change_and_released_after_commit(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    reviewer = await flow.trusted_reviewer(gql, app)
    consumer = await sign_up(gql, prefix="consumer")
    artifact = build_wpk(tmp_path / "hello-1.0.0.tar.gz")

    async with bus.subscribe() as queue:
        package_id = await flow.create_package(gql, pub)
        after_create = await drain(queue)
        published = await flow.publish(gql, pub, package_id, artifact)
        assert published["userErrors"] == []
        version_id = published["version"]["id"]
        after_publish = await drain(queue)
        approved = (
            await gql(flow.APPROVE, {"input": {"versionId": version_id}}, token=reviewer.access_token)
        )["approveVersion"]
        assert approved["userErrors"] == [] and approved["version"]["status"] == "PUBLISHED"
        after_approve = await drain(queue)
        installed = (
            await gql(flow.INSTALL, {"input": {"packageId": package_id}}, token=consumer.access_token)
        )["installPackage"]
        assert installed["userErrors"] == []
        after_install = await drain(queue)
        # A refused install (already installed) releases nothing.
        again = (await gql(flow.INSTALL, {"input": {"packageId": package_id}}, token=consumer.access_token))[
            "installPackage"
        ]
        assert [e["code"] for e in again["userErrors"]] == ["ALREADY_INSTALLED"]
        assert await drain(queue) == []

    package, version, install = pk(package_id), pk(version_id), pk(installed["install"]["id"])
    org_of_pub, org_of_consumer = pk(pub.account.organization_id or ""), pk(consumer.organization_id or "")

    def summary(item: BusEvent) -> tuple[Any, ...]:
        if item.type == "version.status_changed":
            return (item.type, item.payload["from"], item.payload["to"])
        return (item.type,)

    # Each mutation's events were on the bus by the time its response came back, in order.
    assert [summary(e) for e in after_create] == [("package.created",)]
    assert [summary(e) for e in after_publish] == [
        ("version.status_changed", None, "DRAFT"),
        ("version.status_changed", "DRAFT", "SUBMITTED"),
    ]
    assert [summary(e) for e in after_approve] == [
        ("version.status_changed", "SUBMITTED", "IN_REVIEW"),
        ("version.status_changed", "IN_REVIEW", "APPROVED"),
        ("version.status_changed", "APPROVED", "PUBLISHED"),
    ]
    assert [summary(e) for e in after_install] == [("install.created",)]

    created = after_create[0]
    assert (created.organization_id, created.subject_id, created.actor) == (
        org_of_pub,
        package,
        actor(pub.account),
    )
    assert created.payload == {"fullName": f"{pub.namespace}/hello", "visibility": "PUBLIC"}

    for item in after_publish:
        assert (item.organization_id, item.subject_id, item.actor) == (
            org_of_pub,
            version,
            actor(pub.account),
        )
        assert item.payload["packageId"] == str(package)
        assert item.payload["version"] == "1.0.0"
    assert after_publish[0].payload["reason"] == "uploaded and verified"
    for item in after_approve:
        # Events of a version belong to the publisher's organization, whoever acted.
        assert (item.organization_id, item.subject_id, item.actor) == (org_of_pub, version, actor(reviewer))
        assert item.payload["packageId"] == str(package)

    made = after_install[0]
    assert (made.organization_id, made.subject_id, made.actor) == (org_of_consumer, install, actor(consumer))
    assert made.payload == {"packageId": str(package), "versionId": str(version), "version": "1.0.0"}

    # Every released event is a committed row, and every row of these subjects was released.
    released = after_create + after_publish + after_approve + after_install
    rows = await stored_events(app, package, version, install)
    assert [r.id for r in rows] == [e.id for e in released]
    assert [(r.type, r.payload) for r in rows] == [(e.type, e.payload) for e in released]


async def test_a_refused_publish_writes_and_releases_no_event(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    artifact = build_wpk(tmp_path / "hello-1.0.0.tar.gz")
    data = artifact.read_bytes()
    upload_id = await flow.upload(gql, pub, data, artifact.name)
    bad_signature = pub.key.sign(data + b"tampered")
    variables = {
        "input": {
            "packageId": package_id,
            "uploadId": upload_id,
            "signature": {"keySignature": bad_signature},
        }
    }

    before = await count_events(app)
    async with bus.subscribe() as queue:
        refused = (await gql(flow.PUBLISH, variables, token=pub.account.access_token))["publishVersion"]
        assert refused["version"] is None
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
            ("signature", "SIGNATURE_INVALID")
        ]
        assert await drain(queue) == []
    assert await count_events(app) == before
    versions = await gql(VERSIONS, {"name": f"{pub.namespace}/hello"}, token=pub.account.access_token)
    assert versions["package"]["versions"]["totalCount"] == 0

    # The same pipeline with a good signature does emit: the check above can fail.
    async with bus.subscribe() as queue:
        accepted = await flow.publish(gql, pub, package_id, artifact)
        assert accepted["userErrors"] == []
        assert [e.type for e in await drain(queue)] == ["version.status_changed", "version.status_changed"]
    assert await count_events(app) == before + 2
