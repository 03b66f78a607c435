"""ATOM Cloud as a federation subgraph: the spec version it declares, and `_entities` resolved through
the loaders and checks of `node(id:)`, with one answer (object, null or error) per representation."""

from __future__ import annotations

from collections.abc import Awaitable, Collection
from typing import Any, Literal

from graphql import GraphQLSchema, GraphQLUnionType
from strawberry.types import Info

from resolvers.context import Context
from resolvers.errors import ApiError, bad_user_input
from resolvers.ids import from_global_id
from schema.node import NODE_KINDS, load_object

# The newest federation spec that both composition libraries gateways use accept:
# @theguild/federation-composition 0.27 knows v2.0 to v2.9 (and refuses v2.11, strawberry's default);
# @apollo/composition 2.x accepts every version up to its own. Nothing here needs a later one.
FEDERATION_VERSION: Literal["2.9"] = "2.9"

# Why a representation was refused: `extensions.reason` of its BAD_USER_INPUT error.
INVALID_REPRESENTATION = "INVALID_REPRESENTATION"  # not an object
UNKNOWN_TYPENAME = "UNKNOWN_TYPENAME"  # no __typename, or not an entity of this subgraph
MISSING_KEY = "MISSING_KEY"  # no `id`
INVALID_KEY = "INVALID_KEY"  # `id` is not a global ID of __typename


def entity_type_names(schema: GraphQLSchema) -> frozenset[str]:
    """The types with a `@key`: strawberry puts exactly those in the `_Entity` union."""
    union = schema.type_map.get("_Entity")
    if not isinstance(union, GraphQLUnionType):
        return frozenset()
    names = frozenset(t.name for t in union.types)
    unresolvable = sorted(names - NODE_KINDS.keys())
    if unresolvable:
        raise RuntimeError(f"entity types without a registered node kind (register_node): {unresolvable}")
    return names


def resolve_entities(
    info: Info[Context, Any], representations: list[Any], entity_types: Collection[str]
) -> list[Awaitable[Any] | ApiError]:
    """One item per representation, in order: the object or None (not found for the caller, exactly as
    `node(id:)` answers), or a BAD_USER_INPUT error that graphql-core reports at `_entities.<index>`
    while the other representations still resolve. Loads are awaited together, so they batch."""
    results: list[Awaitable[Any] | ApiError] = []
    for index, representation in enumerate(representations):
        checked = _check(index, representation, entity_types)
        results.append(checked if isinstance(checked, ApiError) else load_object(info, *checked))
    return results


def _check(index: int, representation: Any, entity_types: Collection[str]) -> tuple[str, Any] | ApiError:
    """(type name, primary key) of a well-formed representation, or why it is not one. Only the
    representation itself is looked at, never the database, so the answer cannot leak anything."""
    where = f"representations[{index}]"
    if not isinstance(representation, dict):
        return bad_user_input(
            f"{where} must be an object with __typename and id.", where, reason=INVALID_REPRESENTATION
        )
    type_name = representation.get("__typename")
    if not isinstance(type_name, str) or type_name not in entity_types:
        return bad_user_input(
            f"{where}.__typename must name an entity of this subgraph: {', '.join(sorted(entity_types))}.",
            f"{where}.__typename",
            reason=UNKNOWN_TYPENAME,
        )
    if "id" not in representation:
        return bad_user_input(
            f"{where} has no id, the key of {type_name}.", f"{where}.id", reason=MISSING_KEY
        )
    global_id = representation["id"]
    decoded = from_global_id(global_id) if isinstance(global_id, str) else None
    if decoded is None or decoded[0] != type_name:
        return bad_user_input(f"{where}.id is not a {type_name} ID.", f"{where}.id", reason=INVALID_KEY)
    return decoded
