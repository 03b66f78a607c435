"""Permission classes declared on fields: coarse checks that ask the Casbin enforcer."""

from __future__ import annotations

import uuid
from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from resolvers.context import Context
from resolvers.errors import forbidden, unauthenticated


class IsAuthenticated(BasePermission):
    message = "Authentication required."
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        return info.context.principal.is_authenticated


class HasPermission(BasePermission):
    """The caller holds `permission` in the organization it acts for."""

    error_extensions = {"code": "FORBIDDEN"}

    def __init__(self, permission: str) -> None:
        self.permission = permission
        self.message = f"Missing permission {permission}."

    async def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        principal = info.context.principal
        if not principal.is_authenticated:
            raise unauthenticated()
        decision = await info.context.authorizer.decide(principal, self.permission)
        return decision.allowed


async def allowed_in(info: Info[Context, Any], organization_id: uuid.UUID, permission: str) -> bool:
    """Object-level check for a field of an organization other than (or equal to) the active one."""
    context = info.context
    principal = context.principal
    if principal.organization_id == organization_id:
        return (await context.authorizer.decide(principal, permission)).allowed
    if principal.user_id is None or principal.confined:
        return False
    # A user may read its other organizations with the roles it holds there.
    decision = await context.authorizer.decide_for_subject(organization_id, principal.subject, permission)
    return decision.allowed


async def require_in(info: Info[Context, Any], organization_id: uuid.UUID, permission: str) -> None:
    if not info.context.principal.is_authenticated:
        raise unauthenticated()
    if not await allowed_in(info, organization_id, permission):
        raise forbidden(f"Missing permission {permission}.")


def needs(permission: str) -> list[FieldExtension]:
    """The extensions of a field that needs a signed-in caller holding `permission`."""
    return [PermissionExtension(permissions=[IsAuthenticated(), HasPermission(permission)])]
