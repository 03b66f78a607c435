"""The one GraphQL schema of ATOM Cloud: an Apollo Federation v2 subgraph built from per-area types."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import logging
from dataclasses import dataclass
from typing import Any, cast

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, MaxTokensLimiter, ValidationCache
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Tag
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.types.base_scalars import DateTimeDefinition, DecimalDefinition, wrap_parser
from strawberry.schema.types.scalar import DEFAULT_SCALAR_REGISTRY
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, Info
from strawberry.types.base import get_object_definition
from strawberry.types.scalar import ScalarDefinition

from resolvers.audit import AuditTrail
from schema.audit import AuditMutation, AuditQuery, AuditSubscription
from schema.auth import AuthMutation, AuthQuery
from schema.billing import BIG_INT_SCALAR, BigInt, BillingMutation, BillingQuery
from schema.contracts import PUBLIC
from schema.extensions import (
    AuditDenials,
    DocumentLimits,
    ErrorShaping,
    Limits,
    Metrics,
    ReportingParserCache,
    UnitOfWork,
)
from schema.federation import FEDERATION_VERSION, entity_type_names, resolve_entities
from schema.issuers import TrustedIssuerMutation
from schema.marketplace import MarketplaceMutation, MarketplaceQuery
from schema.node import NodeQuery
from schema.subscriptions import Subscription as LiveSubscription
from schema.text import RejectNulCharacters
from schema.uploads import MultipartOnlyForUploads

log = logging.getLogger("atom.graphql")

# DateTime parsed by the standard library's ISO 8601 parser (Python 3.11 reads the formats clients
# send: `Z` or an offset, `T` or a space, fractions): a usage batch carries a thousand timestamps and
# dateutil's parser was a twentieth of its cost. Serialization is strawberry's own.
DATETIME = ScalarDefinition(
    name="DateTime",
    description=DateTimeDefinition.description,
    specified_by_url=DateTimeDefinition.specified_by_url,
    serialize=DateTimeDefinition.serialize,
    parse_value=wrap_parser(datetime.datetime.fromisoformat, "DateTime"),
    parse_literal=None,
    directives=(Tag(name=PUBLIC),),
    origin=datetime.datetime,
)

# strawberry's JSON, tagged for the public contract (package manifests are JSON).
JSON_SCALAR = dataclasses.replace(DEFAULT_SCALAR_REGISTRY[JSON], directives=(Tag(name=PUBLIC),))

# Decimal written in fixed-point notation: strawberry's `str` wrote a normalized 20 as "2E+1".
DECIMAL = ScalarDefinition(
    name="Decimal",
    description=DecimalDefinition.description,
    specified_by_url=None,
    serialize=lambda value: format(decimal.Decimal(value), "f"),
    parse_value=DecimalDefinition.parse_value,
    parse_literal=DecimalDefinition.parse_literal,
    origin=decimal.Decimal,
)

Query = merge_types("Query", (NodeQuery, AuthQuery, MarketplaceQuery, BillingQuery, AuditQuery))
Mutation = merge_types(
    "Mutation", (AuthMutation, TrustedIssuerMutation, MarketplaceMutation, BillingMutation, AuditMutation)
)


@strawberry.type(description=get_object_definition(LiveSubscription, strict=True).description)
class Subscription(LiveSubscription, AuditSubscription):
    """The live topics of every area (merge_types would drop the description)."""


@dataclass(frozen=True, slots=True)
class SchemaOptions:
    max_depth: int = 12
    max_aliases: int = 30
    max_directives: int = 50
    max_tokens: int = 4000
    introspection: bool = True
    field_suggestions: bool = True
    batching_max_operations: int = 0
    parser_cache_size: int = 1000
    validation_cache_size: int = 1000


class AtomSchema(strawberry.federation.Schema):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(federation_version=FEDERATION_VERSION, **kwargs)
        self.entity_types = entity_type_names(self._schema)

    def entities_resolver(self, info: Info, representations: list[FederationAny]) -> list[FederationAny]:
        """`_entities`: per representation, the object, null (not found for the caller) or a
        BAD_USER_INPUT error at `_entities.<index>` (schema/federation.py)."""
        return cast(list[FederationAny], resolve_entities(info, list(representations), self.entity_types))

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Unexpected errors are logged (with the request id) by ErrorShaping; expected ones are not noise.
        for error in errors:
            log.debug("graphql error: %s", error.message)


def _audit_mutations() -> None:
    """Every root mutation field writes an audit entry (AuditTrail, outermost of its extensions)."""
    for field in get_object_definition(Mutation, strict=True).fields:
        if not any(isinstance(extension, AuditTrail) for extension in field.extensions):
            field.extensions.append(AuditTrail())


def build_schema(options: SchemaOptions | None = None) -> AtomSchema:
    options = options or SchemaOptions()
    _audit_mutations()
    limits = Limits(options.max_depth, options.max_aliases, options.max_directives)
    # Factories, so each request gets fresh extension instances.
    extensions: list[Any] = [
        Metrics,
        lambda: ErrorShaping(suggestions=options.field_suggestions),
        UnitOfWork,
        AuditDenials,
        lambda: MaxTokensLimiter(max_token_count=options.max_tokens),
        lambda: ReportingParserCache(maxsize=options.parser_cache_size),
        lambda: ValidationCache(maxsize=options.validation_cache_size),
        lambda: DocumentLimits(limits),
        RejectNulCharacters,
        MultipartOnlyForUploads,
    ]
    if not options.introspection:
        extensions.append(DisableIntrospection)
    config = StrawberryConfig(
        scalar_map={BigInt: BIG_INT_SCALAR},
        disable_field_suggestions=not options.field_suggestions,
        batching_config={"max_operations": options.batching_max_operations}
        if options.batching_max_operations > 0
        else None,
    )
    return AtomSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=config,
        scalar_overrides={datetime.datetime: DATETIME, decimal.Decimal: DECIMAL, JSON: JSON_SCALAR},
    )


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
