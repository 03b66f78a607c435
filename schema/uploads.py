"""Multipart requests (file uploads) are for `publishVersionUpload` alone: any other operation
sent as multipart is refused before it runs."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import FieldNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

UPLOAD_FIELDS = frozenset({"publishVersionUpload"})


class MultipartOnlyForUploads(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if getattr(context.context, "multipart", False) and context.graphql_document is not None:
            fields = {
                selection.name.value
                for definition in context.graphql_document.definitions
                if isinstance(definition, OperationDefinitionNode)
                for selection in definition.selection_set.selections
                if isinstance(selection, FieldNode)
            }
            if not fields or not fields <= UPLOAD_FIELDS:
                context.result = ExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            "Only publishVersionUpload accepts a multipart request.",
                            extensions={"code": "MULTIPART_NOT_ALLOWED"},
                        )
                    ],
                )
        yield
