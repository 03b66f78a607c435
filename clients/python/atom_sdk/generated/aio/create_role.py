from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields, RoleFields


class CreateRole(BaseModel):
    create_role: "CreateRoleCreateRole" = Field(alias="createRole")


class CreateRoleCreateRole(BaseModel):
    role: Optional["CreateRoleCreateRoleRole"]
    user_errors: list["CreateRoleCreateRoleUserErrors"] = Field(alias="userErrors")


CreateRoleCreateRoleRole = RoleFields
CreateRoleCreateRoleUserErrors = AuthErrorFields
CreateRole.model_rebuild()
CreateRoleCreateRole.model_rebuild()
