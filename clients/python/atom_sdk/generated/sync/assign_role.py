from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields


class AssignRole(BaseModel):
    assign_role: "AssignRoleAssignRole" = Field(alias="assignRole")


class AssignRoleAssignRole(BaseModel):
    subject_id: Optional[str] = Field(alias="subjectId")
    roles: Optional[list[str]]
    user_errors: list["AssignRoleAssignRoleUserErrors"] = Field(alias="userErrors")


AssignRoleAssignRoleUserErrors = AuthErrorFields
AssignRole.model_rebuild()
AssignRoleAssignRole.model_rebuild()
