"""Uploads that never become versions are garbage-collected, bytes and row."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import select

from domain.clock import clock
from domain.db import unit_of_work
from domain.marketplace.models import Upload
from domain.marketplace.service import UPLOAD_TTL, collect_garbage
from tests.helpers import GraphQL
from tests.marketplace import flow


async def test_expired_uploads_are_collected(gql: GraphQL, app: FastAPI) -> None:
    pub = await flow.publisher(gql)
    storage = app.state.runtime.marketplace.storage
    upload_gid = await flow.upload(gql, pub, b"bytes that will never be published", "x.tar.gz")
    async with app.state.sessionmaker() as session:
        upload = (
            await session.execute(select(Upload).order_by(Upload.created_at.desc()).limit(1))
        ).scalar_one()
    assert upload_gid and await storage.exists(upload.storage_key)

    # Before expiry nothing goes.
    async with unit_of_work(app.state.sessionmaker) as session:
        await collect_garbage(session, storage)
    assert await storage.exists(upload.storage_key)

    clock.freeze(clock.now() + UPLOAD_TTL + timedelta(minutes=1))
    try:
        async with unit_of_work(app.state.sessionmaker) as session:
            removed = await collect_garbage(session, storage)
    finally:
        clock.unfreeze()
    assert removed >= 1
    assert not await storage.exists(upload.storage_key)
    async with app.state.sessionmaker() as session:
        assert await session.get(Upload, upload.id) is None


async def test_a_second_put_never_changes_what_gets_verified(gql: GraphQL, app: FastAPI) -> None:
    """The server's own upload URL takes the bytes once. A presigned MinIO URL can be used again
    until it expires; the last bytes win, and publishVersion digests and verifies whatever is
    stored at that moment, so a second PUT can never slip unsigned bytes past the signature."""
    pub = await flow.publisher(gql)
    payload = (
        await gql(flow.CREATE_UPLOAD, {"input": {"filename": "a.zip"}}, token=pub.account.access_token)
    )["createUpload"]
    url = payload["upload"]["url"]
    first = await flow.put_bytes(gql.http, url, b"one")
    assert first.status_code == 200
    second = await flow.put_bytes(gql.http, url, b"two")
    if "X-Amz-" in url:
        assert second.status_code == 200
        async with app.state.sessionmaker() as session:
            upload = (
                await session.execute(select(Upload).order_by(Upload.created_at.desc()).limit(1))
            ).scalar_one()
        stored = await app.state.runtime.marketplace.storage.digest(upload.storage_key)
        assert stored.sha256 == flow.sha256(b"two")
    else:
        assert second.status_code == 400
        assert second.json()["errors"][0]["extensions"]["code"] == "INVALID"
