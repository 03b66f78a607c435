"""Resolvers of the auth area: GraphQL arguments in, domain calls, domain objects or Outcomes out."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute

from domain.auth import repository, service
from domain.auth.models import ApiKey, Invitation, Membership, Organization, PolicyVersion, Role, User
from domain.auth.policies import Decision
from domain.auth.service import SessionTokens, SubjectRef
from domain.errors import DomainError, NotFound
from domain.pagination import Page, PageRequest, paginate
from resolvers.context import Context
from resolvers.errors import top_level
from resolvers.ids import from_global_id, id_or_not_found
from resolvers.mutations import Outcome, run_mutation

T = TypeVar("T")

# ---------------------------------------------------------------- queries


async def viewer_user(context: Context) -> User | None:
    user_id = context.principal.user_id
    return await context.loaders.user_by_id.load(user_id) if user_id else None


async def viewer_api_key(context: Context) -> ApiKey | None:
    key_id = context.principal.api_key_id
    return await context.loaders.api_key_by_id.load(key_id) if key_id else None


async def active_organization(context: Context) -> Organization | None:
    org_id = context.principal.organization_id
    return await context.loaders.organization_by_id.load(org_id) if org_id else None


async def viewer_organizations(context: Context) -> Sequence[Organization]:
    stmt = repository.organizations_visible_to(context.principal).order_by(Organization.id)
    return (await context.session.execute(stmt)).scalars().all()


async def viewer_memberships(context: Context) -> Sequence[Membership]:
    if context.principal.user_id is None:
        return []
    if context.principal.confined:  # a federated token: its membership here, not the user's others
        stmt = repository.memberships_in_scope(context.principal).where(
            Membership.user_id == context.principal.user_id
        )
        return (await context.session.execute(stmt)).scalars().all()
    stmt = select(Membership).where(Membership.user_id == context.principal.user_id).order_by(Membership.id)
    return (await context.session.execute(stmt)).scalars().all()


async def viewer_permissions(context: Context) -> list[str]:
    return sorted(await context.authorizer.permissions_of_principal(context.principal))


async def organization_by_slug(context: Context, slug: str) -> Organization | None:
    stmt = repository.organizations_visible_to(context.principal).where(Organization.slug == slug)
    return (await context.session.execute(stmt)).scalar_one_or_none()


TenantModel = TypeVar("TenantModel", Membership, ApiKey, Invitation, PolicyVersion)


async def organization_rows(
    context: Context, model: type[TenantModel], organization_id: uuid.UUID, request: PageRequest
) -> Page[TenantModel]:
    """A page of one organization's rows; the caller's permission there is checked by the field."""
    stmt = select(model).where(model.organization_id == organization_id)
    return await paginated(context, stmt, model.id, request)


async def roles(context: Context, organization_id: uuid.UUID) -> Sequence[Role]:
    return await repository.roles_of_organization(context.session, organization_id)


async def latest_policy_version(context: Context, organization_id: uuid.UUID) -> PolicyVersion | None:
    return await repository.latest_policy_version(context.session, organization_id)


async def paginated(
    context: Context, stmt: Select[T], key: InstrumentedAttribute[Any], request: PageRequest
) -> Page[T]:
    try:
        return await paginate(
            context.session, stmt, key, request, max_page_size=context.runtime.max_page_size
        )
    except DomainError as error:
        raise top_level(error) from error


def subject_ref(subject_id: str) -> SubjectRef:
    decoded = from_global_id(subject_id)
    if decoded is None or decoded[0] not in ("Membership", "ApiKey", "User"):
        raise NotFound("No such member or API key in this organization.", code="NOT_FOUND", field="subjectId")
    return SubjectRef(decoded[0], decoded[1])


async def authorize(context: Context, *, subject_id: str, resource: str, action: str) -> Decision:
    try:
        return await service.authorize(
            context.session,
            context.principal,
            authorizer=context.authorizer,
            subject=subject_ref(subject_id),
            permission=f"{resource}:{action}",
        )
    except DomainError as error:
        raise top_level(error) from error


async def policy_diff(
    context: Context, *, from_version: int, to_version: int
) -> tuple[PolicyVersion, PolicyVersion, list[list[str]], list[list[str]]]:
    try:
        return await service.policy_diff(
            context.session, context.principal, from_version=from_version, to_version=to_version
        )
    except DomainError as error:
        raise top_level(error) from error


# ---------------------------------------------------------------- mutations


async def sign_up(
    context: Context,
    *,
    email: str,
    password: str,
    display_name: str | None,
    organization_name: str | None,
    organization_slug: str | None,
) -> Outcome[SessionTokens]:
    return await run_mutation(
        context,
        lambda: service.sign_up(
            context.session,
            context.principal,
            tokens=context.runtime.tokens,
            email=email,
            password=password,
            display_name=display_name,
            organization_name=organization_name,
            organization_slug=organization_slug,
        ),
    )


async def log_in(
    context: Context, *, email: str, password: str, organization_slug: str | None
) -> Outcome[SessionTokens]:
    return await run_mutation(
        context,
        lambda: service.log_in(
            context.session,
            context.principal,
            tokens=context.runtime.tokens,
            email=email,
            password=password,
            organization_slug=organization_slug,
        ),
    )


async def refresh_token(
    context: Context, *, refresh_token: str, organization_slug: str | None
) -> Outcome[SessionTokens]:
    return await run_mutation(
        context,
        lambda: service.refresh_session(
            context.session,
            context.principal,
            tokens=context.runtime.tokens,
            refresh_token=refresh_token,
            organization_slug=organization_slug,
        ),
    )


async def log_out(context: Context, *, refresh_token: str) -> Outcome[bool]:
    async def work() -> bool:
        await service.log_out(context.session, context.principal, refresh_token=refresh_token)
        return True

    return await run_mutation(context, work)


async def create_organization(context: Context, *, name: str, slug: str) -> Outcome[Organization]:
    return await run_mutation(
        context, lambda: service.create_organization(context.session, context.principal, name=name, slug=slug)
    )


async def invite_member(context: Context, *, email: str, role: str) -> Outcome[tuple[Invitation, str]]:
    return await run_mutation(
        context,
        lambda: service.invite_member(
            context.session, context.principal, authorizer=context.authorizer, email=email, role=role
        ),
    )


async def accept_invitation(context: Context, *, token: str) -> Outcome[Membership]:
    return await run_mutation(
        context,
        lambda: service.accept_invitation(
            context.session, context.principal, authorizer=context.authorizer, token=token
        ),
    )


async def remove_member(context: Context, *, membership_id: str) -> Outcome[Membership]:
    async def work() -> Membership:
        return await service.remove_member(
            context.session,
            context.principal,
            authorizer=context.authorizer,
            membership_id=id_or_not_found(membership_id, "Membership", "membershipId"),
        )

    return await run_mutation(context, work)


async def create_api_key(
    context: Context, *, name: str, scopes: list[str], roles: list[str], expires_at: datetime | None
) -> Outcome[tuple[ApiKey, str]]:
    return await run_mutation(
        context,
        lambda: service.create_api_key(
            context.session,
            context.principal,
            authorizer=context.authorizer,
            name=name,
            scopes=scopes,
            roles=roles,
            expires_at=expires_at,
        ),
    )


async def revoke_api_key(context: Context, *, api_key_id: str) -> Outcome[ApiKey]:
    async def work() -> ApiKey:
        return await service.revoke_api_key(
            context.session,
            context.principal,
            authorizer=context.authorizer,
            api_key_id=id_or_not_found(api_key_id, "ApiKey", "apiKeyId"),
        )

    return await run_mutation(context, work)


async def create_role(
    context: Context, *, name: str, description: str, permissions: list[str]
) -> Outcome[Role]:
    return await run_mutation(
        context,
        lambda: service.create_role(
            context.session,
            context.principal,
            authorizer=context.authorizer,
            name=name,
            description=description,
            permissions=permissions,
        ),
    )


async def set_role_permission(
    context: Context, *, role: str, permission: str, granted: bool
) -> Outcome[Role]:
    return await run_mutation(
        context,
        lambda: service.set_role_permission(
            context.session,
            context.principal,
            authorizer=context.authorizer,
            role=role,
            permission=permission,
            granted=granted,
        ),
    )


async def set_role_assignment(
    context: Context, *, subject_id: str, role: str, assigned: bool
) -> Outcome[str]:
    async def work() -> str:
        return await service.set_role_assignment(
            context.session,
            context.principal,
            authorizer=context.authorizer,
            subject=subject_ref(subject_id),
            role=role,
            assigned=assigned,
        )

    return await run_mutation(context, work)
