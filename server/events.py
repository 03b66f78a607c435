"""The transport of the process's event bus, chosen from settings and shared by every app in the process.

`ATOM_EVENT_TRANSPORT`: `auto` is PostgreSQL LISTEN/NOTIFY on PostgreSQL and in-process on SQLite;
`postgres` on SQLite is a configuration error; `inprocess` is allowed anywhere (one replica only).

One process may run several apps at once, all sharing the module-global `bus`: the test-suite nests
and overlaps lifespans, and runs uvicorn servers on threads with their own event loops. Hence:

- Each `event_transport()` holds a lease. The bus uses the transport of the most recent lease still
  held; when a lease ends (in any order) the bus falls back to the next most recent, and after the
  last one to the transport it had before the first (in-process).
- Apps on the same PostgreSQL database share one `PostgresTransport` (one LISTEN, so each event
  reaches the hub once), counted by its leases and stopped with the last one.
- That transport runs on a thread and event loop of its own, not on the loop of whichever app came
  first: a uvicorn server's loop ends with its server, and the others must not lose their events.
  So it reads oversized events back through its own engine (no pool: nothing tied to another loop),
  not through an app's sessionmaker.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal

from domain.db import make_engine, make_sessionmaker
from domain.events.bus import InProcessTransport, Transport, bus
from domain.events.postgres import PostgresTransport, conninfo_from_url, fetch_from_database
from server.settings import Settings

log = logging.getLogger("atom.events")

# PostgresTransport.stop() is bounded well below this; past it the thread (a daemon) is left behind.
STOP_TIMEOUT_SECONDS = 4.0


class EventTransportConfigError(ValueError):
    """ATOM_EVENT_TRANSPORT asks for something the database cannot do."""


def transport_kind(settings: Settings) -> Literal["inprocess", "postgres"]:
    on_postgres = settings.database_url.startswith("postgresql")
    if settings.event_transport == "auto":
        return "postgres" if on_postgres else "inprocess"
    if settings.event_transport == "postgres" and not on_postgres:
        raise EventTransportConfigError(
            "ATOM_EVENT_TRANSPORT=postgres needs a PostgreSQL database (ATOM_DATABASE_URL="
            "postgresql+psycopg://...), but the database is SQLite; use auto or inprocess"
        )
    return settings.event_transport


class _SharedTransport:
    """A PostgresTransport on its own thread and event loop, shared by the apps of one database."""

    def __init__(self, conninfo: str, database_url: str) -> None:
        self.conninfo = conninfo
        self.leases = 0
        self._engine = make_engine(database_url, pool=False)
        self.transport = PostgresTransport(
            conninfo, bus.hub, fetch_from_database(make_sessionmaker(self._engine))
        )
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._started: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._finished: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._run, name="atom-events", daemon=True)

    def launch(self) -> None:
        self._thread.start()

    async def started(self) -> None:
        """Wait until LISTEN is active; raises what made the start fail."""
        await asyncio.wrap_future(self._started)

    async def shutdown(self) -> None:
        with contextlib.suppress(RuntimeError):  # its loop is already closed: nothing left to stop
            self._loop.call_soon_threadsafe(self._stop.set)
        try:
            await asyncio.wait_for(asyncio.wrap_future(self._finished), timeout=STOP_TIMEOUT_SECONDS)
        except TimeoutError:
            log.warning(
                "the event transport did not stop within %.0f s; leaving it behind", STOP_TIMEOUT_SECONDS
            )

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        except BaseException as exc:
            if not self._started.done():
                self._started.set_exception(exc)
            log.exception("the event transport thread failed")
        finally:
            try:
                self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            finally:
                self._loop.close()
                self._finished.set_result(None)

    async def _main(self) -> None:
        try:
            try:
                await self.transport.start()
            except Exception as exc:
                self._started.set_exception(exc)
                return
            self._started.set_result(None)
            await self._stop.wait()
            await self.transport.stop()
        finally:
            await self._engine.dispose()


@dataclass(eq=False)
class _Lease:
    transport: Transport


_lock = threading.Lock()
_shared: dict[str, _SharedTransport] = {}  # by connection string
_leases: list[_Lease] = []  # held, oldest first
_before: list[Transport] = []  # the bus's transport before the first lease (empty while none is held)


def _hold(lease: _Lease) -> None:
    with _lock:
        if not _leases:
            _before[:] = [bus.transport]
        _leases.append(lease)
        bus.use(lease.transport)


def _let_go(lease: _Lease) -> None:
    with _lock:
        _leases.remove(lease)
        bus.use(_leases[-1].transport if _leases else _before.pop())


async def _acquire(settings: Settings) -> _SharedTransport:
    conninfo = conninfo_from_url(settings.database_url)
    with _lock:
        shared = _shared.get(conninfo)
        if shared is None:
            shared = _shared[conninfo] = _SharedTransport(conninfo, settings.database_url)
            shared.launch()
        shared.leases += 1
    try:
        await shared.started()
    except BaseException:
        with _lock:  # a transport that failed to start is not offered to the next app
            if _shared.get(conninfo) is shared:
                del _shared[conninfo]
        await _release(shared)
        raise
    return shared


async def _release(shared: _SharedTransport) -> None:
    with _lock:
        shared.leases -= 1
        if shared.leases:
            return
        if _shared.get(shared.conninfo) is shared:
            del _shared[shared.conninfo]
    await shared.shutdown()


@asynccontextmanager
async def event_transport(settings: Settings) -> AsyncIterator[None]:
    """Carry the bus's events by the transport `settings` asks for, for as long as the block runs."""
    if transport_kind(settings) == "inprocess":
        lease = _Lease(InProcessTransport(bus.hub))
        _hold(lease)
        try:
            yield
        finally:
            _let_go(lease)
        return
    shared = await _acquire(settings)
    lease = _Lease(shared.transport)
    _hold(lease)
    try:
        yield
    finally:
        _let_go(lease)
        await _release(shared)
