"""The PostgreSQL LISTEN/NOTIFY transport: committed events reach the hub of every replica, in order,
whatever their size, through unreadable notifications, dropped connections and shutdown; and the
choice of transport per app (server.events), shared by every app of a process."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import clock
from domain.db import make_engine, make_sessionmaker, unit_of_work
from domain.events.bus import BusEvent, Hub, InProcessTransport, Subscription, bus, record
from domain.events.models import DomainEvent
from domain.events.postgres import (
    CHANNEL,
    MAX_PAYLOAD_BYTES,
    PostgresTransport,
    conninfo_from_url,
    encode_payload,
    fetch_from_database,
)
from domain.ids import new_id
from server.events import EventTransportConfigError, event_transport, transport_kind
from server.settings import Settings
from tests.conftest import free_port, make_settings

WAIT = 10.0  # seconds: generous, never a timing assertion


@pytest.fixture
def postgres_url(database_url: str, is_postgres: bool) -> str:
    if not is_postgres:
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL (set ATOM_TEST_DATABASE_URL)")
    return database_url


@pytest.fixture
async def sessionmaker(postgres_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(postgres_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


def an_event(**payload: object) -> BusEvent:
    return BusEvent(
        id=new_id(),
        stream="domain",
        type="test.happened",
        organization_id=None,
        subject_id=new_id(),
        actor="test",
        payload=dict(payload),
        created_at=clock.now(),
    )


@asynccontextmanager
async def replica(
    url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[PostgresTransport]:
    """One replica's transport, with a hub of its own."""
    transport = PostgresTransport(conninfo_from_url(url), Hub(), fetch_from_database(sessionmaker))
    await asyncio.wait_for(transport.start(), WAIT)
    try:
        yield transport
    finally:
        await asyncio.wait_for(transport.stop(), WAIT)


async def receive(subscription: Subscription, count: int = 1) -> list[BusEvent]:
    """The next `count` events of these tests (other apps on the database may be committing too)."""
    items: list[BusEvent] = []
    while len(items) < count:
        item = await asyncio.wait_for(subscription.get(), WAIT)
        if item.actor == "test":
            items.append(item)
    return items


def received_so_far(subscription: Subscription) -> list[BusEvent]:
    items = []
    while (item := subscription.get_nowait()) is not None:
        if item.actor == "test":
            items.append(item)
    return items


async def receive_until(subscription: Subscription, wanted: uuid.UUID) -> list[BusEvent]:
    """Everything received up to and including the event `wanted`."""
    items = await receive(subscription)
    while items[-1].id != wanted:
        items += await receive(subscription)
    return items


async def admin(url: str) -> psycopg.AsyncConnection[tuple[Any, ...]]:
    return await psycopg.AsyncConnection.connect(conninfo_from_url(url), autocommit=True)


async def terminate(url: str, pid: int | None) -> None:
    """End backend `pid` and wait until it is gone (the signal alone returns before it exits)."""
    assert pid is not None
    async with await admin(url) as conn:
        await conn.execute("SELECT pg_terminate_backend(%s)", (pid,))

        for _ in range(int(WAIT / 0.02)):
            if (
                await (await conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,))).fetchone()
                is None
            ):
                return
            await asyncio.sleep(0.02)
    raise AssertionError(f"backend {pid} still running")


# ---- Between replicas


async def test_events_reach_every_replica_and_its_publisher_in_order(
    postgres_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with (
        replica(postgres_url, sessionmaker) as one,
        replica(postgres_url, sessionmaker) as two,
        one.hub.subscribe() as at_one,
        two.hub.subscribe() as at_two,
    ):
        burst = [an_event(n=n) for n in range(200)]
        for item in burst[:150]:  # one commit after another
            one.publish([item])
        one.publish(burst[150:])  # and one commit of many

        assert await receive(at_two, 200) == burst
        assert await receive(at_one, 200) == burst  # the publisher's own subscribers: the same path

        back = an_event(direction="two to one")
        two.publish([back])
        assert await receive(at_one) == [back]
        assert await receive(at_two) == [back]


async def test_publishing_from_another_thread_is_queued_onto_the_transport(
    postgres_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with replica(postgres_url, sessionmaker) as one, one.hub.subscribe() as here:
        items = [an_event(n=n) for n in range(5)]
        await asyncio.to_thread(one.publish, items)
        assert await receive(here, 5) == items


async def test_an_oversized_event_travels_by_reference_and_arrives_whole(
    postgres_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with unit_of_work(sessionmaker) as session:
        row = DomainEvent(
            organization_id=None,
            type="test.big",
            subject_id=new_id(),
            actor="test",
            payload={"blob": "x" * 10_000, "note": "déjà vu"},
            created_at=clock.now(),
        )
        session.add(row)
    big = BusEvent.of_domain_event(row)
    assert len(big.to_json().encode()) > 8000
    assert json.loads(encode_payload(big)) == {"ref": {"stream": "domain", "id": str(big.id)}}
    small = an_event(after="the big one")
    assert encode_payload(small) == small.to_json()

    async with (
        replica(postgres_url, sessionmaker) as one,
        replica(postgres_url, sessionmaker) as two,
        two.hub.subscribe() as there,
    ):
        one.publish([big, small])
        assert await receive(there, 2) == [big, small]


def test_an_event_goes_by_reference_only_above_the_size_limit() -> None:
    empty = an_event(text="")
    room = MAX_PAYLOAD_BYTES - len(empty.to_json().encode())
    at_limit = replace(empty, payload={"text": "x" * room})
    assert len(at_limit.to_json().encode()) == MAX_PAYLOAD_BYTES
    assert encode_payload(at_limit) == at_limit.to_json()
    over = replace(empty, payload={"text": "x" * (room + 1)})
    assert json.loads(encode_payload(over)) == {"ref": {"stream": "domain", "id": str(over.id)}}


async def test_unreadable_notifications_are_skipped(
    postgres_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    unreadable = [
        "[1, 2]",
        '{"id": "not a uuid"}',
        json.dumps({"ref": {"stream": "elsewhere", "id": str(uuid.uuid4())}}),
        json.dumps({"ref": {"stream": "domain", "id": str(uuid.uuid4())}}),  # no such row
        an_event().to_json()[:-10],  # cut short
    ]
    async with (
        replica(postgres_url, sessionmaker) as one,
        replica(postgres_url, sessionmaker) as two,
        two.hub.subscribe() as there,
    ):
        async with await admin(postgres_url) as conn:
            await conn.execute(f"NOTIFY {CHANNEL}, 'garbage'")
            for payload in unreadable:
                await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
        good = an_event(after="garbage")
        one.publish([good])
        assert await receive(there) == [good]
        assert received_so_far(there) == []  # nothing else came through


# ---- Connections that drop


async def test_the_listener_reconnects_after_its_connection_is_killed(
    postgres_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with (
        replica(postgres_url, sessionmaker) as one,
        replica(postgres_url, sessionmaker) as two,
        two.hub.subscribe() as there,
    ):
        killed = two.listener_pid
        await terminate(postgres_url, killed)

        # Events published while the listener is away are lost to live streams: probe until one arrives.
        async def probe_until_heard() -> None:
            while True:
                probe = an_event(probe=True)
                one.publish([probe])
                try:
                    await asyncio.wait_for(receive_until(there, probe.id), 0.5)
                    return
                except TimeoutError:
                    continue

        await asyncio.wait_for(probe_until_heard(), WAIT)
        assert two.listener_pid not in (None, killed)

        after = [an_event(n=n) for n in range(3)]
        one.publish(after)
        received = await receive_until(there, after[-1].id)
        assert received[-3:] == after


async def test_the_sender_reconnects_and_sends_what_it_was_holding(
    postgres_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with (
        replica(postgres_url, sessionmaker) as one,
        replica(postgres_url, sessionmaker) as two,
        two.hub.subscribe() as there,
    ):
        killed = one.sender_pid
        await terminate(postgres_url, killed)
        held = [an_event(n=n) for n in range(3)]
        one.publish(held)  # the first attempt finds the connection dead; the events wait for the next
        assert await receive(there, 3) == held
        assert one.sender_pid not in (None, killed)
        later = an_event(n=3)
        one.publish([later])
        assert await receive(there) == [later]  # and nothing was sent twice


async def test_stop_returns_when_the_database_is_gone(
    postgres_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    name = f"atom_gone_{uuid.uuid4().hex[:8]}"
    scratch = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    async with await admin(postgres_url) as conn:
        await conn.execute(f'CREATE DATABASE "{name}"')
    transport = PostgresTransport(conninfo_from_url(scratch), Hub(), fetch_from_database(sessionmaker))
    await asyncio.wait_for(transport.start(), WAIT)
    try:
        async with await admin(postgres_url) as conn:
            await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # ends both connections for good
        transport.publish([an_event(n=n) for n in range(3)])
        await asyncio.sleep(0.3)  # let both tasks find out and start retrying
    finally:
        await asyncio.wait_for(transport.stop(), WAIT)
    transport.publish([an_event()])  # after stop: dropped with a warning, no error


async def test_stop_sends_what_was_queued(
    postgres_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with replica(postgres_url, sessionmaker) as two, two.hub.subscribe() as there:
        async with replica(postgres_url, sessionmaker) as one:
            queued = [an_event(n=n) for n in range(20)]
            one.publish(queued)
        assert await receive(there, 20) == queued  # one stopped right after publishing


async def test_start_fails_when_the_database_cannot_be_reached(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    nowhere = f"postgresql://atom@127.0.0.1:{free_port()}/atom?connect_timeout=2"
    transport = PostgresTransport(nowhere, Hub(), fetch_from_database(sessionmaker))
    with pytest.raises(psycopg.OperationalError):
        await asyncio.wait_for(transport.start(), WAIT)
    await asyncio.wait_for(transport.stop(), WAIT)


# ---- The app's commit path and server.events


def record_step(session: AsyncSession, subject: uuid.UUID, step: str) -> DomainEvent:
    payload = {"step": step}
    return record(
        session,
        type="test.committed",
        organization_id=None,
        subject_id=subject,
        actor="test",
        payload=payload,
    )


async def test_committed_events_reach_bus_subscribers_through_postgres(
    settings: Settings, app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], postgres_url: str
) -> None:
    subject = new_id()
    async with (
        event_transport(settings),
        replica(postgres_url, sessionmaker) as elsewhere,
        bus.subscribe() as here,
        elsewhere.hub.subscribe() as there,
    ):
        assert isinstance(bus.transport, PostgresTransport)
        async with unit_of_work(app.state.sessionmaker) as session:
            record_step(session, subject, "first")
            record_step(session, subject, "second")
        async with app.state.sessionmaker() as session:  # a rolled-back change releases nothing
            record_step(session, subject, "undone")
            await session.flush()
            await session.rollback()
        async with unit_of_work(app.state.sessionmaker) as session:
            record_step(session, subject, "third")

        mine = await receive(here, 3)
        assert [(e.type, e.subject_id, e.payload["step"]) for e in mine] == [
            ("test.committed", subject, "first"),
            ("test.committed", subject, "second"),
            ("test.committed", subject, "third"),
        ]
        assert await receive(there, 3) == mine  # another replica sees the same events
    async with app.state.sessionmaker() as session:
        rows = [await session.get(DomainEvent, e.id) for e in mine]
    assert [BusEvent.of_domain_event(row) if row else None for row in rows] == mine


async def test_apps_of_one_database_share_one_transport_in_any_order(
    settings: Settings, postgres_url: str, tmp_path: Path
) -> None:
    before = bus.transport
    async with AsyncExitStack() as second_app:
        async with event_transport(settings):  # the first app
            shared = bus.transport
            assert isinstance(shared, PostgresTransport)
            await second_app.enter_async_context(event_transport(make_settings(postgres_url, tmp_path)))
            assert bus.transport is shared
        # The first app ended before the second: the second keeps the transport, and it still works.
        assert bus.transport is shared
        async with bus.subscribe() as here:
            item = an_event()
            bus.publish([item])
            assert await receive_until(here, item.id)
    assert bus.transport is before
    if before is not shared:  # no app of the test-suite holds it: the last lease stopped it
        assert shared.listener_pid is None


async def test_the_transport_outlives_the_app_thread_that_started_it(
    settings: Settings, postgres_url: str
) -> None:
    entered, leave = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def other_app() -> None:  # like a uvicorn server: its own thread and event loop
        async def lifespan() -> None:
            async with event_transport(settings):
                entered.set()
                await asyncio.to_thread(leave.wait, WAIT)

        try:
            asyncio.run(lifespan())
        except BaseException as exc:
            failures.append(exc)
            entered.set()

    thread = threading.Thread(target=other_app)
    thread.start()
    try:
        assert await asyncio.to_thread(entered.wait, WAIT)
        assert not failures
        async with event_transport(settings), bus.subscribe() as here:
            shared = bus.transport
            leave.set()
            await asyncio.to_thread(thread.join, WAIT)
            assert not thread.is_alive() and not failures  # that app, its loop and its thread are gone
            assert bus.transport is shared
            item = an_event()
            bus.publish([item])
            assert await receive_until(here, item.id)
    finally:
        leave.set()
        thread.join(WAIT)


# ---- Configuration (any database)


async def test_an_app_whose_transport_cannot_start_fails_and_leaves_the_bus_as_it_was(tmp_path: Path) -> None:
    nowhere = make_settings(
        f"postgresql+psycopg://atom@127.0.0.1:{free_port()}/atom?connect_timeout=2", tmp_path
    )
    before = bus.transport
    for _ in range(2):  # a transport that failed is not handed to the next app
        with pytest.raises(psycopg.OperationalError):
            async with event_transport(nowhere):
                pass
        assert bus.transport is before


@pytest.mark.parametrize(
    ("url", "choice", "kind"),
    [
        ("postgresql+psycopg://atom@db/atom", "auto", "postgres"),
        ("postgresql+psycopg://atom@db/atom", "inprocess", "inprocess"),
        ("postgresql+psycopg://atom@db/atom", "postgres", "postgres"),
        ("sqlite+aiosqlite:///atom.db", "auto", "inprocess"),
        ("sqlite+aiosqlite:///atom.db", "inprocess", "inprocess"),
    ],
)
def test_the_transport_follows_the_settings(url: str, choice: str, kind: str, tmp_path: Path) -> None:
    assert transport_kind(make_settings(url, tmp_path, event_transport=choice)) == kind


async def test_postgres_transport_on_sqlite_is_a_configuration_error(tmp_path: Path) -> None:
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'atom.db'}", tmp_path, event_transport="postgres"
    )
    before = bus.transport
    with pytest.raises(EventTransportConfigError, match="needs a PostgreSQL database"):
        async with event_transport(settings):
            pass
    assert bus.transport is before


async def test_in_process_on_sqlite_delivers_directly_and_restores_the_bus(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'atom.db'}", tmp_path)
    before = bus.transport
    async with event_transport(settings), bus.subscribe() as here:
        assert isinstance(bus.transport, InProcessTransport)
        item = an_event()
        bus.publish([item])
        assert here.get_nowait() == item
    assert bus.transport is before


def test_conninfo_from_url() -> None:
    conninfo = conninfo_from_url("postgresql+psycopg://u:p%40ss@db.internal:5433/atom?sslmode=require")
    assert conninfo == "postgresql://u:p%40ss@db.internal:5433/atom?sslmode=require"
    assert conninfo_to_dict(conninfo) == {
        "user": "u",
        "password": "p@ss",
        "host": "db.internal",
        "port": "5433",
        "dbname": "atom",
        "sslmode": "require",
    }
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        conninfo_from_url("sqlite+aiosqlite:///atom.db")
