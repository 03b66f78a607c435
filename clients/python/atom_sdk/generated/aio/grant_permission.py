from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields, RoleFields


class GrantPermission(BaseModel):
    grant_permission: "GrantPermissionGrantPermission" = Field(alias="grantPermission")


class GrantPermissionGrantPermission(BaseModel):
    role: Optional["GrantPermissionGrantPermissionRole"]
    user_errors: list["GrantPermissionGrantPermissionUserErrors"] = Field(
        alias="userErrors"
    )


GrantPermissionGrantPermissionRole = RoleFields
GrantPermissionGrantPermissionUserErrors = AuthErrorFields
GrantPermission.model_rebuild()
GrantPermissionGrantPermission.model_rebuild()
