"""Relay conventions: the `Node` interface, opaque cursors and generic cursor connections."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from domain.pagination import Page, PageRequest
from resolvers.errors import bad_user_input
from schema.contracts import PUBLIC

NodeT = TypeVar("NodeT")
ModelT = TypeVar("ModelT")


@strawberry.federation.interface(
    tags=[PUBLIC], description="An object with a globally unique, opaque ID (Relay)."
)
class Node:
    id: strawberry.ID


@strawberry.federation.type(shareable=True, tags=[PUBLIC], description="Where a page sits in its connection.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    node: NodeT
    cursor: str


@strawberry.type(description="A page of a list, with cursors to move on (Relay cursor connection).")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    count_fn: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The nodes of this page, without their cursors.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many items the whole list has.")
    async def total_count(self) -> int:
        return await self.count_fn()


def encode_cursor(id_: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"cursor:{id_}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, field: str) -> uuid.UUID | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if raw.startswith("cursor:"):
            return uuid.UUID(raw.removeprefix("cursor:"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise bad_user_input(f"`{field}` is not a valid cursor.", field)


def page_request(first: int | None, after: str | None, last: int | None, before: str | None) -> PageRequest:
    return PageRequest(
        first, decode_cursor(after, field="after"), last, decode_cursor(before, field="before")
    )


def connection(
    page: Page[ModelT], convert: Callable[[ModelT], NodeT], key: Callable[[ModelT], uuid.UUID]
) -> Connection[NodeT]:
    edges = [Edge(node=convert(item), cursor=encode_cursor(key(item))) for item in page.items]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count_fn=page.count,
    )
