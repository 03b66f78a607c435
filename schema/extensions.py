"""Schema extensions: document limits, the unit of work, error shaping and metrics.

Order matters (the first listed wraps the others): metrics see the final errors, error shaping
sees errors after the unit of work has committed or failed.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

from graphql import (
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.language import Node as AstNode
from strawberry.extensions import AddValidationRules, ParserCache, SchemaExtension
from strawberry.types.execution import ExecutionResult

from domain.audit.entries import has_pending
from domain.errors import DomainError
from resolvers.audit import record_denials
from resolvers.errors import ApiError, top_level
from schema import metrics

log = logging.getLogger("atom.graphql")


# ---------------------------------------------------------------- document limits


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_directives: int


@dataclass(slots=True)
class _Cost:
    depth: int = 0
    aliases: int = 0
    directives: int = 0


def _directives(node: AstNode) -> int:
    found: tuple[DirectiveNode, ...] = getattr(node, "directives", None) or ()
    return len(found)


class _Analyzer:
    """Depth, aliases and directives of a document with each fragment analysed once (memoized):
    shared fragments cost what they expand to, without re-walking them, and cycles end the walk
    (NoFragmentCyclesRule reports them)."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, _Cost] = {}
        self.in_progress: set[str] = set()

    def fragment(self, name: str) -> _Cost:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.in_progress:
            return _Cost()
        self.in_progress.add(name)
        cost = self.selection_set(definition.selection_set)
        cost.directives += _directives(definition)
        self.in_progress.discard(name)
        self.memo[name] = cost
        return cost

    def selection_set(self, selection_set: SelectionSetNode | None) -> _Cost:
        total = _Cost()
        if selection_set is None:
            return total
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                # Introspection (`__schema`, `__type`) is the tools' business, deep by nature and
                # switched off in production: it does not count towards the depth.
                introspection = selection.name.value.startswith("__")
                inner = _Cost() if introspection else self.selection_set(selection.selection_set)
                depth = inner.depth + 1
                aliases = inner.aliases + (1 if selection.alias else 0)
                directives = inner.directives + _directives(selection)
            elif isinstance(selection, InlineFragmentNode):
                inner = self.selection_set(selection.selection_set)
                depth, aliases, directives = (
                    inner.depth,
                    inner.aliases,
                    inner.directives + _directives(selection),
                )
            elif isinstance(selection, FragmentSpreadNode):
                inner = self.fragment(selection.name.value)
                depth, aliases, directives = (
                    inner.depth,
                    inner.aliases,
                    inner.directives + _directives(selection),
                )
            else:  # pragma: no cover - the AST has no other selection kinds
                continue
            total.depth = max(total.depth, depth)
            total.aliases += aliases
            total.directives += directives
        return total


def limits_rule(limits: Limits) -> type[ValidationRule]:
    class DocumentLimitsRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            fragments = {
                d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
            }
            analyzer = _Analyzer(fragments)
            aliases = directives = 0
            for definition in document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                cost = analyzer.selection_set(definition.selection_set)
                name = definition.name.value if definition.name else "anonymous"
                if cost.depth > limits.max_depth:
                    context.report_error(
                        GraphQLError(
                            f"Operation '{name}' is {cost.depth} levels deep; limit {limits.max_depth}.",
                            definition,
                            extensions={"code": "DEPTH_LIMIT_EXCEEDED"},
                        )
                    )
                aliases += cost.aliases
                directives += cost.directives + _directives(definition)
            if aliases > limits.max_aliases:
                context.report_error(
                    GraphQLError(
                        f"The document uses {aliases} aliases; the limit is {limits.max_aliases}.",
                        extensions={"code": "ALIAS_LIMIT_EXCEEDED"},
                    )
                )
            if directives > limits.max_directives:
                context.report_error(
                    GraphQLError(
                        f"The document uses {directives} directives; the limit is {limits.max_directives}.",
                        extensions={"code": "DIRECTIVE_LIMIT_EXCEEDED"},
                    )
                )

    return DocumentLimitsRule


class DocumentLimits(AddValidationRules):
    def __init__(self, limits: Limits) -> None:
        super().__init__([limits_rule(limits)])


class ReportingParserCache(ParserCache):
    """strawberry's bounded parser cache, except that a document that does not parse is left to
    strawberry's own parse, which reports the error inside the operation (so it gets a code and is
    counted) instead of raising out of the extension hooks."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        yield


# ---------------------------------------------------------------- unit of work


class UnitOfWork(SchemaExtension):
    """Commits the request's session once the operation has executed; a failed commit is an error."""

    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield
        context = self.execution_context.context
        session = getattr(context, "session", None)
        if session is None or not (session.in_transaction() or has_pending(session)):
            return
        try:
            await session.commit()
        except Exception:
            request_id = getattr(context, "request_id", None)
            log.exception("commit failed", extra={"request_id": request_id})
            try:
                await session.rollback()
            except Exception:
                log.exception("rollback after a failed commit failed", extra={"request_id": request_id})
            result = self.execution_context.result
            errors = list(result.errors or []) if result is not None else []
            errors.append(
                GraphQLError("The change could not be saved.", extensions={"code": "COMMIT_FAILED"})
            )
            self.execution_context.result = ExecutionResult(data=None, errors=errors)


class AuditDenials(SchemaExtension):
    """Queues an audit entry for each refused read, before the unit of work commits (list it
    after UnitOfWork). Mutation fields write their own entries (resolvers.audit.AuditTrail)."""

    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield
        context = self.execution_context.context
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors or getattr(context, "session", None) is None:
            return
        try:
            mutation = self.execution_context.operation_type.value == "mutation"
        except (RuntimeError, AttributeError):
            return
        record_denials(context, errors, skip_root_mutations=mutation)


# ---------------------------------------------------------------- error shaping

_SUGGESTION = re.compile(r"\s*Did you mean .*\?$")
_TOKEN_LIMIT = re.compile(r"Document contains more than \d+ tokens")


class ErrorShaping(SchemaExtension):
    """Every error leaves with `extensions.code`; unexpected ones are logged and masked."""

    def __init__(self, *, suggestions: bool = True) -> None:
        self.suggestions = suggestions
        self.validation_errors: set[int] = set()

    def on_validate(self) -> Iterator[None]:
        yield
        # Errors found while validating the document, as opposed to coercing variable values later.
        self.validation_errors = {id(e) for e in self.execution_context.pre_execution_errors or []}

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is None or not errors:
            return
        request_id = getattr(self.execution_context.context, "request_id", None)
        result.errors = [self._shape(error, request_id) for error in errors]

    def _shape(self, error: GraphQLError, request_id: str | None) -> GraphQLError:
        original = error.original_error
        if isinstance(original, ApiError):
            return _relocated(original, error)
        if isinstance(original, DomainError):
            return _relocated(top_level(original), error)
        if original is not None and not isinstance(original, GraphQLError):
            log.error(
                "unexpected error in %s",
                ".".join(str(p) for p in error.path or []),
                exc_info=original,
                extra={"request_id": request_id},
            )
            return GraphQLError(
                "Internal server error.",
                nodes=error.nodes,
                path=error.path,
                extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
            )
        message = error.message if self.suggestions else _SUGGESTION.sub("", error.message)
        extensions = dict(error.extensions or {})
        if "code" not in extensions:
            extensions["code"] = _code_for(error, validation=id(error) in self.validation_errors)
        return GraphQLError(message, nodes=error.nodes, path=error.path, extensions=extensions)


def _relocated(api_error: ApiError, located: GraphQLError) -> GraphQLError:
    return GraphQLError(
        api_error.message, nodes=located.nodes, path=located.path, extensions=dict(api_error.extensions or {})
    )


def _code_for(error: GraphQLError, *, validation: bool) -> str:
    if isinstance(error, GraphQLSyntaxError) or error.message.startswith("Syntax Error"):
        return "TOKEN_LIMIT_EXCEEDED" if _TOKEN_LIMIT.search(error.message) else "GRAPHQL_PARSE_FAILED"
    if validation:
        return "GRAPHQL_VALIDATION_FAILED"
    if error.message.startswith("Variable ") or error.message.startswith("Argument "):
        return "BAD_USER_INPUT"  # a variable's value could not be coerced
    if error.path:
        return "INTERNAL_SERVER_ERROR"
    return "GRAPHQL_VALIDATION_FAILED"


# ---------------------------------------------------------------- metrics


class Metrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        ctx = self.execution_context
        name = metrics.operation_label(ctx.operation_name)
        try:
            kind = ctx.operation_type.value
        except (RuntimeError, AttributeError):  # the document did not parse
            kind = "unknown"
        metrics.GRAPHQL_REQUESTS.labels(name, kind).inc()
        metrics.GRAPHQL_LATENCY.labels(name, kind).observe(time.perf_counter() - started)
        result = ctx.result
        for error in getattr(result, "errors", None) or []:
            code = (error.extensions or {}).get("code", "UNKNOWN")
            metrics.GRAPHQL_ERRORS.labels(str(code)).inc()
