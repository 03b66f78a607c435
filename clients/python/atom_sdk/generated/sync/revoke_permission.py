from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields, RoleFields


class RevokePermission(BaseModel):
    revoke_permission: "RevokePermissionRevokePermission" = Field(
        alias="revokePermission"
    )


class RevokePermissionRevokePermission(BaseModel):
    role: Optional["RevokePermissionRevokePermissionRole"]
    user_errors: list["RevokePermissionRevokePermissionUserErrors"] = Field(
        alias="userErrors"
    )


RevokePermissionRevokePermissionRole = RoleFields
RevokePermissionRevokePermissionUserErrors = AuthErrorFields
RevokePermission.model_rebuild()
RevokePermissionRevokePermission.model_rebuild()
