"""`node(id:)` and `nodes(ids:)`: global IDs resolved through tenant-scoped loaders, nulls for the rest."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

import strawberry
from strawberry.types import Info

from resolvers.context import Context
from resolvers.errors import bad_user_input
from resolvers.ids import from_global_id
from resolvers.permissions import allowed_in
from schema.relay import Node

MAX_NODES = 100


class _FromModel(Protocol):
    @classmethod
    def from_model(cls, model: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class NodeKind:
    loader: str  # attribute of resolvers.loaders.Loaders
    graphql_type: type[_FromModel]
    permission: str | None  # needed in the object's organization, if any


NODE_KINDS: dict[str, NodeKind] = {}


def register_node(
    type_name: str, loader: str, graphql_type: type[_FromModel], permission: str | None = None
) -> None:
    NODE_KINDS[type_name] = NodeKind(loader, graphql_type, permission)


async def load_node(info: Info[Context, Any], global_id: str) -> Any:
    """The object behind `global_id` if the caller may see it; None otherwise (no existence leak)."""
    decoded = from_global_id(global_id)
    if decoded is None or decoded[0] not in NODE_KINDS:
        return None
    return await load_object(info, *decoded)


async def load_object(info: Info[Context, Any], type_name: str, pk: uuid.UUID) -> Any:
    """The `type_name` object with key `pk` through its tenant-scoped loader, if the caller holds the
    kind's permission in the object's organization; None otherwise. `node` and `_entities` both use it."""
    kind = NODE_KINDS[type_name]
    model = await getattr(info.context.loaders, kind.loader).load(pk)
    if model is None:
        return None
    if kind.permission is not None and not await allowed_in(info, model.organization_id, kind.permission):
        return None
    return kind.graphql_type.from_model(model)


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Fetch any object by its global ID; null when it does not exist for you.")
    async def node(self, info: Info[Context, Any], id: strawberry.ID) -> Node | None:
        node: Node | None = await load_node(info, str(id))
        return node

    @strawberry.field(
        description=f"Fetch up to {MAX_NODES} objects by global ID, in order; nulls where not found."
    )
    async def nodes(self, info: Info[Context, Any], ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise bad_user_input(f"At most {MAX_NODES} IDs per call.", "ids")
        # Concurrently, so the loads of each kind are one batch (awaiting in turn was one query per ID).
        return list(await asyncio.gather(*(load_node(info, str(i)) for i in ids)))
