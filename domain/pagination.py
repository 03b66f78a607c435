"""Keyset pagination over time-ordered UUID keys: the domain half of Relay cursor connections."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.errors import InvalidInput

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int | None = None
    after: uuid.UUID | None = None
    last: int | None = None
    before: uuid.UUID | None = None

    def checked(self, max_page_size: int) -> PageRequest:
        if self.first is not None and self.last is not None:
            raise InvalidInput(
                "Pass either `first` or `last`, not both.", code="INVALID_PAGINATION", field="first"
            )
        for name in ("first", "last"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InvalidInput(f"`{name}` must not be negative.", code="INVALID_PAGINATION", field=name)
            if value is not None and value > max_page_size:
                raise InvalidInput(
                    f"Requesting {value} records exceeds the `{name}` limit of {max_page_size} records.",
                    code="PAGE_SIZE_EXCEEDED",
                    field=name,
                )
        if self.first is None and self.last is None:
            return PageRequest(min(DEFAULT_PAGE_SIZE, max_page_size), self.after, None, self.before)
        return self


@dataclass(slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    has_next_page: bool
    has_previous_page: bool
    count: Callable[[], Awaitable[int]]


async def paginate(
    session: AsyncSession,
    stmt: Select[T],
    key: InstrumentedAttribute[Any],
    request: PageRequest,
    *,
    max_page_size: int,
) -> Page[T]:
    """One page of `stmt` (already tenant-scoped and filtered) in ascending `key` order."""
    request = request.checked(max_page_size)
    base = stmt

    async def count() -> int:
        total = await session.scalar(select(func.count()).select_from(base.order_by(None).subquery()))
        return int(total or 0)

    window = stmt
    if request.after is not None:
        window = window.where(key > request.after)
    if request.before is not None:
        window = window.where(key < request.before)

    async def any_where(condition: Any) -> bool:
        sub = base.where(condition).order_by(None).subquery()
        return bool(await session.scalar(select(exists(select(sub).limit(1)))))

    if request.last is not None:
        rows = list((await session.execute(window.order_by(key.desc()).limit(request.last + 1))).scalars())
        has_previous = len(rows) > request.last
        items = list(reversed(rows[: request.last]))
        has_next = request.before is not None and await any_where(key >= request.before)
        return Page(items, has_next, has_previous, count)

    first = request.first if request.first is not None else DEFAULT_PAGE_SIZE
    rows = list((await session.execute(window.order_by(key.asc()).limit(first + 1))).scalars())
    has_next = len(rows) > first
    has_previous = request.after is not None and await any_where(key <= request.after)
    return Page(rows[:first], has_next, has_previous, count)
