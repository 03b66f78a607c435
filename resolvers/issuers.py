"""Resolvers of trusted issuers (auth area): GraphQL arguments in, domain calls, Outcomes out."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from domain.auth import issuers
from domain.auth.issuers import IssuerSpec
from domain.auth.models import TrustedIssuer
from resolvers.context import Context
from resolvers.ids import id_or_not_found
from resolvers.mutations import Outcome, run_mutation


async def trusted_issuers(context: Context, organization_id: uuid.UUID) -> Sequence[TrustedIssuer]:
    return await issuers.trusted_issuers_of(context.session, organization_id)


async def add_trusted_issuer(context: Context, *, spec: IssuerSpec) -> Outcome[TrustedIssuer]:
    return await run_mutation(
        context,
        lambda: issuers.add_trusted_issuer(
            context.session,
            context.principal,
            authorizer=context.authorizer,
            spec=spec,
            own_issuer=context.runtime.tokens.settings.issuer,
            urls=context.runtime.trusted_issuer_urls,
        ),
    )


async def update_trusted_issuer(
    context: Context, *, trusted_issuer_id: str, spec: IssuerSpec
) -> Outcome[TrustedIssuer]:
    async def work() -> TrustedIssuer:
        return await issuers.update_trusted_issuer(
            context.session,
            context.principal,
            authorizer=context.authorizer,
            trusted_issuer_id=id_or_not_found(trusted_issuer_id, "TrustedIssuer", "trustedIssuerId"),
            spec=spec,
            own_issuer=context.runtime.tokens.settings.issuer,
            urls=context.runtime.trusted_issuer_urls,
        )

    return await run_mutation(context, work)


async def remove_trusted_issuer(context: Context, *, trusted_issuer_id: str) -> Outcome[TrustedIssuer]:
    async def work() -> TrustedIssuer:
        return await issuers.remove_trusted_issuer(
            context.session,
            context.principal,
            trusted_issuer_id=id_or_not_found(trusted_issuer_id, "TrustedIssuer", "trustedIssuerId"),
        )

    return await run_mutation(context, work)
