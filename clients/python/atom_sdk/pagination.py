"""Walking any GraphQL connection page by page (`first`/`after` with `pageInfo { hasNextPage endCursor }`):
the catalog, members, the audit log, invoices, the review queue, a package's versions..."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar, cast, overload

from atom_sdk.errors import PaginationError

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
R = TypeVar("R")


class PageInfo(Protocol):
    """What paging needs of a connection's `pageInfo`."""

    @property
    def has_next_page(self) -> bool: ...

    @property
    def end_cursor(self) -> str | None: ...


class Connection(Protocol[T_co]):
    """A page of a connection, as the generated models have it."""

    @property
    def page_info(self) -> PageInfo: ...

    @property
    def nodes(self) -> Sequence[T_co]: ...


def _next_cursor(page: Connection[Any], seen: set[str]) -> str | None:
    """The cursor of the following page, or None when this was the last one. A page that says more
    follow but gives no cursor, or one of the cursors already followed (which would loop), raises
    `PaginationError`: stopping there would pass a partial list off as the whole."""
    info = page.page_info
    if not info.has_next_page:
        return None
    cursor = info.end_cursor
    if cursor is None:
        raise PaginationError(f"Page {len(seen) + 1} has a next page but no endCursor.", cursor)
    if cursor in seen:
        raise PaginationError(
            f"Page {len(seen) + 1} gives endCursor {cursor!r} again: following it would loop.", cursor
        )
    seen.add(cursor)
    return cursor


@overload
def paginate(fetch_page: Callable[[str | None], Connection[T]]) -> Iterator[T]: ...


@overload
def paginate(
    fetch_page: Callable[[str | None], R], connection: Callable[[R], Connection[T]]
) -> Iterator[T]: ...


def paginate(
    fetch_page: Callable[[str | None], Any], connection: Callable[[Any], Connection[Any]] | None = None
) -> Iterator[Any]:
    """Every node of a connection: `fetch_page(after)` returns a page (or an answer that
    `connection` picks the page out of), called again with its `endCursor` while `hasNextPage`.
    A missing or repeated `endCursor` while `hasNextPage` raises `PaginationError` (after the nodes
    of the pages before).

        members = paginate(
            lambda after: client.organization_members("acme", first=100, after=after),
            lambda answer: answer.organization.members,
        )
    """
    after: str | None = None
    seen: set[str] = set()
    while True:
        answer = fetch_page(after)
        page = connection(answer) if connection is not None else cast(Connection[Any], answer)
        yield from page.nodes
        after = _next_cursor(page, seen)
        if after is None:
            return


@overload
def paginate_async(fetch_page: Callable[[str | None], Awaitable[Connection[T]]]) -> AsyncIterator[T]: ...


@overload
def paginate_async(
    fetch_page: Callable[[str | None], Awaitable[R]], connection: Callable[[R], Connection[T]]
) -> AsyncIterator[T]: ...


async def paginate_async(
    fetch_page: Callable[[str | None], Awaitable[Any]],
    connection: Callable[[Any], Connection[Any]] | None = None,
) -> AsyncIterator[Any]:
    """`paginate` for async fetchers: an async iterator over every node.

    async for entry in paginate_async(
        lambda after: client.audit_log(first=100, after=after), lambda answer: answer.audit_log
    ):
        ...
    """
    after: str | None = None
    seen: set[str] = set()
    while True:
        answer = await fetch_page(after)
        page = connection(answer) if connection is not None else cast(Connection[Any], answer)
        for node in page.nodes:
            yield node
        after = _next_cursor(page, seen)
        if after is None:
            return
