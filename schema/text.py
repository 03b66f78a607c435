"""Text inputs never carry NUL characters: PostgreSQL text cannot hold them, so a request with one
is refused as BAD_USER_INPUT before it executes (graphql-core does not let `String` be redefined)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

NUL = "\x00"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class _NulLiteralFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if NUL in node.value:
            self.found = True


class RejectNulCharacters(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        finder = _NulLiteralFinder()
        if context.graphql_document is not None:
            visit(context.graphql_document, finder)
        if finder.found or _has_nul(context.variables):
            context.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        "Text must not contain NUL characters.", extensions={"code": "BAD_USER_INPUT"}
                    )
                ],
            )
        yield
