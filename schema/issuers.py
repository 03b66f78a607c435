"""GraphQL types of trusted issuers (auth area): the identity providers and peer ATOM regions whose
tokens an organization accepts (docs/federation.md)."""

from __future__ import annotations

import enum
import json
import uuid
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from domain.auth import models
from domain.auth.issuers import IssuerSpec
from resolvers import issuers as resolve
from resolvers.context import Context
from resolvers.ids import to_global_id
from resolvers.mutations import Outcome
from resolvers.permissions import needs
from schema.auth import AuthError, auth_errors
from schema.node import register_node
from schema.relay import Node


@strawberry.enum(description="What a trusted issuer's token stands for.")
class TrustedIdentityKind(enum.Enum):
    USER = strawberry.enum_value("user", description="A member of the organization, by the user claim.")
    SERVICE = strawberry.enum_value("service", description="A service identity, by the subject claim.")


@strawberry.type(description="A claim a token must carry with this value (one of its values, for a list).")
class ClaimCondition:
    claim: str
    value: str


@strawberry.type(
    description="An identity provider or peer ATOM region whose tokens this organization accepts."
)
class TrustedIssuer(Node):
    id: strawberry.ID
    name: str
    issuer: str = strawberry.field(description="The `iss` its tokens carry.")
    jwks_url: str | None = strawberry.field(description="Where its public keys are fetched.")
    jwks: str | None = strawberry.field(description="Its public keys, inline (a JWKS as JSON).")
    audience: str = strawberry.field(description="The `aud` its tokens must carry.")
    identity: TrustedIdentityKind
    subject_claim: str
    user_claim: str = strawberry.field(description="Matched to a member's e-mail (USER identities).")
    roles_claim: str = strawberry.field(description="Names the roles the token acts with.")
    allowed_roles: list[str] = strawberry.field(description="The only roles its tokens may act with.")
    default_roles: list[str] = strawberry.field(description="Roles of a token without the roles claim.")
    required_claims: list[ClaimCondition]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, m: models.TrustedIssuer) -> TrustedIssuer:
        return cls(
            id=strawberry.ID(to_global_id("TrustedIssuer", m.id)),
            name=m.name,
            issuer=m.issuer,
            jwks_url=m.jwks_url,
            jwks=json.dumps(m.jwks, sort_keys=True) if m.jwks is not None else None,
            audience=m.audience,
            identity=TrustedIdentityKind(m.identity_kind),
            subject_claim=m.subject_claim,
            user_claim=m.user_claim,
            roles_claim=m.roles_claim,
            allowed_roles=list(m.allowed_roles),
            default_roles=list(m.default_roles),
            required_claims=[ClaimCondition(claim=c, value=v) for c, v in m.required_claims],
            created_at=m.created_at,
            updated_at=m.updated_at,
        )


register_node("TrustedIssuer", "trusted_issuer_by_id", TrustedIssuer, "roles:read")


async def trusted_issuers_of(info: Info[Context, Any], organization_id: uuid.UUID) -> list[TrustedIssuer]:
    return [TrustedIssuer.from_model(m) for m in await resolve.trusted_issuers(info.context, organization_id)]


@strawberry.input(description="A claim a token must carry with this value.")
class ClaimConditionInput:
    claim: str
    value: str


@strawberry.input(
    description="An issuer to trust: where its keys are, what its tokens must say, what they map to."
)
class TrustedIssuerInput:
    name: str
    issuer: str = strawberry.field(description="The exact `iss` of its tokens (an https URL).")
    audience: str = strawberry.field(description="The `aud` its tokens must carry.")
    jwks_url: str | None = strawberry.field(
        default=None, description="Its JWKS endpoint; for a peer ATOM region `<url>/.well-known/jwks.json`."
    )
    jwks: str | None = strawberry.field(
        default=None, description="Or its public keys inline, a JWKS as JSON."
    )
    identity: TrustedIdentityKind = TrustedIdentityKind.SERVICE
    subject_claim: str = "sub"
    user_claim: str = strawberry.field(default="email", description="USER identities: a member's e-mail.")
    roles_claim: str = strawberry.field(
        default="roles", description="A claim name, or a dotted path such as `realm_access.roles`."
    )
    allowed_roles: list[str] = strawberry.field(
        description="Roles its tokens may act with; you must hold them."
    )
    default_roles: list[str] = strawberry.field(default_factory=list)
    required_claims: list[ClaimConditionInput] = strawberry.field(
        default_factory=list,
        description="Claims a token must carry, e.g. a peer region's `org` (advised for shared issuers).",
    )

    def spec(self) -> IssuerSpec:
        return IssuerSpec(
            name=self.name,
            issuer=self.issuer,
            audience=self.audience,
            jwks_url=self.jwks_url,
            jwks=self.jwks,
            identity_kind=str(self.identity.value),
            subject_claim=self.subject_claim,
            user_claim=self.user_claim,
            roles_claim=self.roles_claim,
            allowed_roles=tuple(self.allowed_roles),
            default_roles=tuple(self.default_roles),
            required_claims=tuple((c.claim, c.value) for c in self.required_claims),
        )


@strawberry.input
class UpdateTrustedIssuerInput:
    trusted_issuer_id: strawberry.ID
    trust: TrustedIssuerInput = strawberry.field(description="The whole new definition.")


@strawberry.input
class RemoveTrustedIssuerInput:
    trusted_issuer_id: strawberry.ID


@strawberry.type
class TrustedIssuerPayload:
    trusted_issuer: TrustedIssuer | None
    user_errors: list[AuthError]


@strawberry.type
class RemoveTrustedIssuerPayload:
    removed_trusted_issuer_id: strawberry.ID | None
    user_errors: list[AuthError]


def _payload(outcome: Outcome[models.TrustedIssuer]) -> TrustedIssuerPayload:
    return TrustedIssuerPayload(
        trusted_issuer=TrustedIssuer.from_model(outcome.result) if outcome.result else None,
        user_errors=auth_errors(outcome.user_errors),
    )


@strawberry.type
class TrustedIssuerMutation:
    @strawberry.mutation(
        description="Accept an identity provider's or peer region's tokens here. Needs roles:write.",
        extensions=needs("roles:write"),
    )
    async def add_trusted_issuer(
        self, info: Info[Context, Any], input: TrustedIssuerInput
    ) -> TrustedIssuerPayload:
        return _payload(await resolve.add_trusted_issuer(info.context, spec=input.spec()))

    @strawberry.mutation(
        description="Replace a trusted issuer's definition. Needs roles:write.",
        extensions=needs("roles:write"),
    )
    async def update_trusted_issuer(
        self, info: Info[Context, Any], input: UpdateTrustedIssuerInput
    ) -> TrustedIssuerPayload:
        outcome = await resolve.update_trusted_issuer(
            info.context, trusted_issuer_id=str(input.trusted_issuer_id), spec=input.trust.spec()
        )
        return _payload(outcome)

    @strawberry.mutation(
        description="Stop accepting an issuer's tokens, at once. Needs roles:write.",
        extensions=needs("roles:write"),
    )
    async def remove_trusted_issuer(
        self, info: Info[Context, Any], input: RemoveTrustedIssuerInput
    ) -> RemoveTrustedIssuerPayload:
        outcome = await resolve.remove_trusted_issuer(
            info.context, trusted_issuer_id=str(input.trusted_issuer_id)
        )
        return RemoveTrustedIssuerPayload(
            removed_trusted_issuer_id=input.trusted_issuer_id if outcome.result else None,
            user_errors=auth_errors(outcome.user_errors),
        )
