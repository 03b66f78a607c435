"""Recording and releasing domain events.

`record()` adds an event row to the session (so it commits or rolls back with the change) and
remembers it; after the session commits, every remembered event that is still persistent (not
undone by a rolled-back savepoint) is handed to the in-process bus, whose subscribers are
asyncio queues. A PostgreSQL LISTEN/NOTIFY backend for several replicas plugs in behind `EventBus`.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from domain.clock import clock
from domain.events.models import DomainEvent

_PENDING = "atom.pending_events"


class EventBus:
    def __init__(self, queue_size: int = 1000) -> None:
        self._subscribers: set[asyncio.Queue[DomainEvent]] = set()
        self._queue_size = queue_size

    def publish(self, item: DomainEvent) -> None:
        for queue in list(self._subscribers):
            # A slow subscriber loses events rather than stalling writers.
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(item)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[DomainEvent]]:
        queue: asyncio.Queue[DomainEvent] = asyncio.Queue(self._queue_size)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)


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


@event.listens_for(Session, "after_commit")
def _release(session: Session) -> None:
    pending: list[DomainEvent] = session.info.pop(_PENDING, [])
    for item in pending:
        if inspect(item).persistent:
            bus.publish(item)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING, None)
