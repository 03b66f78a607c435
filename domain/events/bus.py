"""Recording and releasing events: domain events and audit entries, live to every replica.

`record()` adds a `domain_events` row to the session (so it commits or rolls back with the change)
and remembers it; after the session commits, every remembered row that is still persistent (not
undone by a rolled-back savepoint) is released as a `BusEvent`. Audit entries are released the
same way (domain.audit queues them with `release_after_commit`).

Releasing goes through the process's transport: in-process by default (straight to the local
hub), or PostgreSQL LISTEN/NOTIFY (domain.events.postgres) so that subscribers on every replica
see it. The hub hands each event to local subscriptions; each has a bounded buffer, and a
subscription that falls further behind than its buffer is ended (`SubscriberOverflow`) rather
than growing without bound or stalling writers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from domain.clock import clock
from domain.events.models import DomainEvent

log = logging.getLogger("atom.events")

_PENDING = "atom.pending_events"
_RELEASE = "atom.release_after_commit"

Stream = Literal["domain", "audit"]
DEFAULT_BUFFER = 256


@dataclass(frozen=True, slots=True)
class BusEvent:
    """One committed event as subscribers see it. `stream` names the table that holds it
    (`domain_events` or `audit_entries`), so a transport can send just the id and fetch the rest."""

    id: uuid.UUID
    stream: Stream
    type: str
    organization_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    actor: str
    payload: dict[str, Any]
    created_at: datetime

    @classmethod
    def of_domain_event(cls, item: DomainEvent) -> BusEvent:
        return cls(
            id=item.id,
            stream="domain",
            type=item.type,
            organization_id=item.organization_id,
            subject_id=item.subject_id,
            actor=item.actor,
            payload=dict(item.payload),
            created_at=item.created_at,
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": str(self.id),
                "stream": self.stream,
                "type": self.type,
                "organization_id": str(self.organization_id) if self.organization_id else None,
                "subject_id": str(self.subject_id) if self.subject_id else None,
                "actor": self.actor,
                "payload": self.payload,
                "created_at": self.created_at.isoformat(),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> BusEvent:
        data = json.loads(text)
        return cls(
            id=uuid.UUID(data["id"]),
            stream=data["stream"],
            type=data["type"],
            organization_id=uuid.UUID(data["organization_id"]) if data["organization_id"] else None,
            subject_id=uuid.UUID(data["subject_id"]) if data["subject_id"] else None,
            actor=data["actor"],
            payload=data["payload"],
            created_at=datetime.fromisoformat(data["created_at"]),
        )


class SubscriberOverflow(Exception):
    """The subscriber fell further behind than its buffer allows; its stream is over."""


@dataclass(eq=False)
class Subscription:
    """A local subscriber's bounded buffer. `get()` waits for the next event."""

    buffer: int
    # Which events this subscriber wants at all: the others never take room in its buffer (so one
    # tenant's burst cannot end another tenant's streams). Runs on the publisher's thread: cheap,
    # pure predicates only.
    accept: Callable[[BusEvent], bool] | None = None
    _items: deque[BusEvent] = field(default_factory=deque)
    _ready: asyncio.Event = field(default_factory=asyncio.Event)
    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.get_running_loop)
    overflowed: bool = False

    def offer(self, item: BusEvent) -> None:
        """Take `item`; from any thread (a commit may happen on another event loop's thread)."""
        if self.accept is not None and not self.accept(item):
            return
        try:
            same_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            same_loop = False
        if same_loop:
            self._offer(item)
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._offer, item)

    def _offer(self, item: BusEvent) -> None:
        if self.overflowed:
            return
        if len(self._items) >= self.buffer:
            # Past the buffer: end this stream (its owner reports the error) and free the memory.
            self.overflowed = True
            self._items.clear()
        else:
            self._items.append(item)
        self._ready.set()

    async def get(self) -> BusEvent:
        while not self._items:
            if self.overflowed:
                raise SubscriberOverflow(f"The subscriber fell more than {self.buffer} events behind.")
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()

    def get_nowait(self) -> BusEvent | None:
        if self.overflowed:
            raise SubscriberOverflow(f"The subscriber fell more than {self.buffer} events behind.")
        return self._items.popleft() if self._items else None

    def pending(self) -> int:
        return len(self._items)


class Hub:
    """The local fan-out: every event released to this process goes to every local subscription."""

    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()

    def dispatch(self, item: BusEvent) -> None:
        for subscription in list(self._subscriptions):
            subscription.offer(item)

    @asynccontextmanager
    async def subscribe(
        self, buffer: int = DEFAULT_BUFFER, accept: Callable[[BusEvent], bool] | None = None
    ) -> AsyncIterator[Subscription]:
        subscription = Subscription(buffer, accept)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)


class Transport(Protocol):
    """How committed events reach the hubs of every replica."""

    def publish(self, items: Sequence[BusEvent]) -> None:
        """Called right after a commit, synchronously: must not block (queue and return)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class InProcessTransport:
    """The embedded default: one process, events go straight to its hub."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def publish(self, items: Sequence[BusEvent]) -> None:
        for item in items:
            self.hub.dispatch(item)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class EventBus:
    """The process's bus: its hub (local subscribers) and the transport events travel by."""

    def __init__(self) -> None:
        self.hub = Hub()
        self.transport: Transport = InProcessTransport(self.hub)

    def use(self, transport: Transport) -> None:
        self.transport = transport

    def publish(self, items: Sequence[BusEvent]) -> None:
        if items:
            self.transport.publish(items)

    def subscribe(
        self, buffer: int = DEFAULT_BUFFER, accept: Callable[[BusEvent], bool] | None = None
    ) -> AbstractAsyncContextManager[Subscription]:
        return self.hub.subscribe(buffer, accept)


bus = EventBus()


def record(
    session: AsyncSession,
    *,
    type: str,
    organization_id: uuid.UUID | None,
    subject_id: uuid.UUID | None,
    actor: str,
    payload: dict[str, Any],
) -> DomainEvent:
    item = DomainEvent(
        organization_id=organization_id,
        type=type,
        subject_id=subject_id,
        actor=actor,
        payload=payload,
        created_at=clock.now(),
    )
    session.add(item)
    session.sync_session.info.setdefault(_PENDING, []).append(item)
    return item


def release_after_commit(session: Session, item: BusEvent) -> None:
    """Release `item` once `session` commits (for rows whose fate the caller already settled)."""
    session.info.setdefault(_RELEASE, []).append(item)


@event.listens_for(Session, "after_commit")
def _release(session: Session) -> None:
    # SQLAlchemy fires after_commit when a SAVEPOINT is released too; only the real commit counts.
    if session.in_nested_transaction():
        return
    pending: list[DomainEvent] = session.info.pop(_PENDING, [])
    ready: list[BusEvent] = session.info.pop(_RELEASE, [])
    try:
        items = [BusEvent.of_domain_event(e) for e in pending if inspect(e).persistent] + ready
        if items:
            bus.publish(items)
    except Exception:  # live streams are best effort; the rows are committed either way
        log.exception("releasing committed events failed")


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING, None)
        session.info.pop(_RELEASE, None)
