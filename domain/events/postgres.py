"""PostgreSQL LISTEN/NOTIFY transport: every committed event reaches the hub of every replica.

Publishing queues the events and returns; a sender task NOTIFYs them on channel `atom_events`, a
batch per round trip, and a listener task (its own connection, LISTENing) hands whatever arrives
to the local hub, in order. Events of this process come back through the listener like everyone
else's: there is one path. An event too big for a NOTIFY travels as a reference and the listener
reads it back from its table. Both connections come back after a drop, with capped exponential
backoff; events committed while the listener was away are not replayed to live streams (they are
in their tables all the same).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, get_args

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.events.bus import BusEvent, Hub, Stream
from domain.events.models import DomainEvent

log = logging.getLogger("atom.events.postgres")

CHANNEL = "atom_events"
# PostgreSQL refuses a payload of 8000 bytes or more (with the default 8 kB pages); keep clear of it.
MAX_PAYLOAD_BYTES = 7900
MAX_BATCH = 100  # events per NOTIFY round trip
MAX_QUEUED = 10_000  # events waiting for the sender; past it the oldest are dropped (the rows stay)
FETCH_TIMEOUT_SECONDS = 5.0
FLUSH_TIMEOUT_SECONDS = 2.0  # stop() waits this long for queued events to go out
CANCEL_TIMEOUT_SECONDS = 1.0  # then this long for the tasks to end
FIRST_RETRY_SECONDS = 0.2
MAX_RETRY_SECONDS = 5.0
# Unless the connection string says otherwise: fail a connect in bounded time, and let TCP notice a
# peer that vanished without closing (the listener is otherwise silent for as long as nobody writes).
CONNECTION_DEFAULTS: dict[str, Any] = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}
# The notifications of one statement are delivered in the order they were sent, and `unnest`
# reads the array in order: one round trip for a batch, order kept.
NOTIFY_BATCH = "SELECT count(pg_notify(%s, payload)) FROM unnest(%s::text[]) AS payload"

STREAMS: tuple[Stream, ...] = get_args(Stream)

Fetcher = Callable[[Stream, uuid.UUID], Awaitable[BusEvent | None]]
"""Reads a committed event back by stream and id (None: no such row)."""
StreamFetcher = Callable[[AsyncSession, uuid.UUID], Awaitable[BusEvent | None]]
"""Reads one stream's event by id in the given session."""

Connection = psycopg.AsyncConnection[tuple[Any, ...]]


def conninfo_from_url(sqlalchemy_url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL (`postgresql+psycopg://...`)."""
    url = make_url(sqlalchemy_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"not a PostgreSQL URL: {url.render_as_string(hide_password=True)}")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


# ---- Payloads


def encode_payload(item: BusEvent) -> str:
    """The NOTIFY payload of `item`: the event itself, or a reference to its row when too big."""
    text = item.to_json()
    if len(text.encode()) <= MAX_PAYLOAD_BYTES:
        return text
    return json.dumps({"ref": {"stream": item.stream, "id": str(item.id)}}, separators=(",", ":"))


def parse_reference(text: str) -> tuple[Stream, uuid.UUID] | None:
    """The (stream, id) of a reference payload; None when `text` is a whole event.

    Raises ValueError (or KeyError, TypeError) for anything else."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("payload is not a JSON object")
    if "ref" not in data:
        return None
    ref = data["ref"]
    stream = ref["stream"]
    if stream not in STREAMS:
        raise ValueError(f"unknown stream {stream!r}")
    return stream, uuid.UUID(ref["id"])


# ---- Reading events back from their tables


async def _fetch_domain_event(session: AsyncSession, id: uuid.UUID) -> BusEvent | None:
    row = await session.get(DomainEvent, id)
    return BusEvent.of_domain_event(row) if row is not None else None


_fetchers: dict[Stream, StreamFetcher] = {}


def register_fetcher(stream: Stream, fn: StreamFetcher) -> None:
    """Teach `fetch_from_database` to read `stream` (its table's module registers it on import)."""
    _fetchers[stream] = fn


register_fetcher("domain", _fetch_domain_event)


def fetch_from_database(sessionmaker: async_sessionmaker[AsyncSession]) -> Fetcher:
    """A Fetcher reading events by id through `sessionmaker`, with the fetcher registered per stream."""

    async def fetch(stream: Stream, id: uuid.UUID) -> BusEvent | None:
        fn = _fetchers.get(stream)
        if fn is None:
            log.warning("no fetcher for stream %r; event %s not delivered live", stream, id)
            return None
        async with sessionmaker() as session:
            return await fn(session, id)

    return fetch


# ---- The transport


class _Backoff:
    """Capped exponential delays with jitter, back to the first after a success."""

    def __init__(self) -> None:
        self.failures = 0

    def next_delay(self) -> float:
        delay: float = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2.0**self.failures)
        self.failures = min(self.failures + 1, 32)  # the cap is reached long before; no overflow
        return delay * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not a secret)

    def reset(self) -> None:
        self.failures = 0


class PostgresTransport:
    """Committed events to every replica through LISTEN/NOTIFY on channel `atom_events`.

    Lives on the event loop that calls `start()`; `publish()` may be called from any thread.
    `start()` returns once LISTEN is active; `stop()` ends it in bounded time. Not restartable.
    """

    def __init__(self, conninfo: str, hub: Hub, fetch: Fetcher) -> None:
        self.conninfo = conninfo
        self.hub = hub
        self.fetch = fetch
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: deque[str] = deque()
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._sender_conn: Connection | None = None
        self._listener_conn: Connection | None = None
        self._sender: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._dropped = 0

    @property
    def listener_pid(self) -> int | None:
        """The backend pid of the LISTENing connection (None while reconnecting)."""
        conn = self._listener_conn
        return conn.info.backend_pid if conn is not None and not conn.closed else None

    @property
    def sender_pid(self) -> int | None:
        conn = self._sender_conn
        return conn.info.backend_pid if conn is not None and not conn.closed else None

    # -- lifecycle

    async def start(self) -> None:
        if self._loop is not None:
            raise RuntimeError("PostgresTransport.start() was already called")
        self._loop = asyncio.get_running_loop()
        try:
            self._listener_conn = await self._connect_listener()
            self._sender_conn = await self._connect("sender")
        except BaseException:
            await self._close_connections()
            self._stopping.set()
            raise
        self._listener = asyncio.create_task(self._listen_forever(), name="atom-events-listener")
        self._sender = asyncio.create_task(self._send_forever(), name="atom-events-sender")
        log.info(
            "events over LISTEN/NOTIFY: listener pid %s, sender pid %s", self.listener_pid, self.sender_pid
        )

    async def stop(self) -> None:
        """Send what is queued (if connected, for a bounded time), then end both tasks and connections.

        Call it on the loop that started the transport."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._wakeup.set()
        if self._sender is not None and not self._sender.done():
            await asyncio.wait({self._sender}, timeout=FLUSH_TIMEOUT_SECONDS)
        tasks = {t for t in (self._sender, self._listener) if t is not None and not t.done()}
        for task in tasks:
            task.cancel()
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=CANCEL_TIMEOUT_SECONDS)
            if stuck:
                log.warning("%d event transport task(s) did not end in time; abandoning them", len(stuck))
        if self._queue:
            log.warning("%d events not sent live at shutdown (their rows are committed)", len(self._queue))
            self._queue.clear()
        await self._close_connections()

    # -- publishing

    def publish(self, items: Sequence[BusEvent]) -> None:
        """Queue `items` for sending; from any thread, never blocks, never raises."""
        try:
            loop = self._loop
            if loop is None or self._stopping.is_set():
                log.warning("event transport not running: %d events not sent live", len(items))
                return
            batch = list(items)
            try:
                same_loop = asyncio.get_running_loop() is loop
            except RuntimeError:
                same_loop = False
            if same_loop:
                self._enqueue(batch)
            else:
                loop.call_soon_threadsafe(self._enqueue, batch)
        except Exception:  # live streams are best effort; the rows are committed either way
            log.exception("queueing %d events failed", len(items))

    def _enqueue(self, items: list[BusEvent]) -> None:
        for item in items:
            try:
                payload = encode_payload(item)
            except Exception:
                log.exception("event %s could not be encoded; not sent live", item.id)
                continue
            if len(self._queue) >= MAX_QUEUED:
                self._queue.popleft()
                self._dropped += 1
                if self._dropped == 1:
                    log.warning("more than %d events waiting to be sent: dropping the oldest", MAX_QUEUED)
            self._queue.append(payload)
        self._wakeup.set()

    async def _send_forever(self) -> None:
        backoff = _Backoff()
        while True:
            if not self._queue:
                if self._stopping.is_set():
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            if self._sender_conn is None:
                if self._stopping.is_set():
                    return  # stop() reports what is left
                try:
                    self._sender_conn = await self._connect("sender")
                except (psycopg.Error, OSError) as exc:
                    delay = backoff.next_delay()
                    log.warning("event sender cannot connect (%s); retrying in %.1f s", exc, delay)
                    await self._pause(delay)
                    continue
                log.info("event sender reconnected (pid %s)", self.sender_pid)
            batch = [self._queue.popleft() for _ in range(min(MAX_BATCH, len(self._queue)))]
            try:
                await self._send(self._sender_conn, batch)
            except (psycopg.Error, OSError) as exc:
                # Not sent (the connection was gone before the statement ran) or, if it broke
                # mid-statement, perhaps sent: resend after reconnecting (at least once).
                self._queue.extendleft(reversed(batch))
                await _close_quietly(self._sender_conn)
                self._sender_conn = None
                delay = backoff.next_delay()
                log.warning("event sender disconnected (%s); reconnecting in %.1f s", exc, delay)
                await self._pause(delay)
                continue
            if self._dropped:
                log.warning("%d events were dropped from a full send queue", self._dropped)
                self._dropped = 0
            backoff.reset()

    async def _send(self, conn: Connection, payloads: list[str]) -> None:
        """NOTIFY `payloads` in one round trip. A refused batch on a sound connection is sent again
        one by one, so that only the offending payload is lost; a broken connection raises."""
        try:
            await conn.execute(NOTIFY_BATCH, (CHANNEL, payloads))
        except (psycopg.Error, OSError):
            if not _usable(conn):
                raise
            if len(payloads) > 1:
                for payload in payloads:
                    await self._send(conn, [payload])
            else:
                size = len(payloads[0].encode())
                log.exception("NOTIFY refused a payload of %d bytes; not sent live", size)

    async def _pause(self, seconds: float) -> None:
        """Sleep, unless stop() comes first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    # -- listening

    async def _listen_forever(self) -> None:
        backoff = _Backoff()
        while True:
            conn = self._listener_conn
            try:
                if conn is None:
                    conn = self._listener_conn = await self._connect_listener()
                    log.warning(
                        "event listener reconnected (pid %s); events committed while it was away "
                        "were not delivered to live subscribers",
                        self.listener_pid,
                    )
                backoff.reset()
                async for notify in conn.notifies():
                    await self._receive(notify.payload)
                raise psycopg.OperationalError("notifications ended")
            except (psycopg.Error, OSError) as exc:
                if conn is not None:
                    await _close_quietly(conn)
                self._listener_conn = None
                delay = backoff.next_delay()
                log.warning("event listener disconnected (%s); reconnecting in %.1f s", exc, delay)
                await self._pause(delay)
                if self._stopping.is_set():
                    return

    async def _receive(self, payload: str) -> None:
        try:
            reference = parse_reference(payload)
            item = BusEvent.from_json(payload) if reference is None else None
        except Exception as exc:  # anyone may NOTIFY on the channel
            log.warning("skipping a malformed event notification (%s): %.200r", exc, payload)
            return
        if reference is not None:
            stream, id = reference
            try:
                item = await asyncio.wait_for(self.fetch(stream, id), timeout=FETCH_TIMEOUT_SECONDS)
            except Exception:
                log.warning(
                    "reading event %s of stream %s failed; not delivered live", id, stream, exc_info=True
                )
                return
            if item is None:
                log.warning("event %s of stream %s not found; not delivered live", id, stream)
                return
        if item is not None:
            self.hub.dispatch(item)

    # -- connections

    async def _connect(self, role: str) -> Connection:
        given = conninfo_to_dict(self.conninfo)
        defaults = {**CONNECTION_DEFAULTS, "application_name": f"atom-events-{role}"}
        extra = {key: value for key, value in defaults.items() if key not in given}
        return await psycopg.AsyncConnection.connect(make_conninfo(self.conninfo, **extra), autocommit=True)

    async def _connect_listener(self) -> Connection:
        conn = await self._connect("listener")
        try:
            await conn.execute(f"LISTEN {CHANNEL}")
        except BaseException:
            await _close_quietly(conn)
            raise
        return conn

    async def _close_connections(self) -> None:
        for conn in (self._listener_conn, self._sender_conn):
            if conn is not None:
                await _close_quietly(conn)
        self._listener_conn = self._sender_conn = None


def _usable(conn: Connection) -> bool:
    return not (conn.closed or conn.broken)


async def _close_quietly(conn: Connection) -> None:
    try:
        await conn.close()
    except Exception:
        log.debug("closing an event connection failed", exc_info=True)
