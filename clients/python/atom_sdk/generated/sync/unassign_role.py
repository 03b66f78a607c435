from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields


class UnassignRole(BaseModel):
    unassign_role: "UnassignRoleUnassignRole" = Field(alias="unassignRole")


class UnassignRoleUnassignRole(BaseModel):
    subject_id: Optional[str] = Field(alias="subjectId")
    roles: Optional[list[str]]
    user_errors: list["UnassignRoleUnassignRoleUserErrors"] = Field(alias="userErrors")


UnassignRoleUnassignRoleUserErrors = AuthErrorFields
UnassignRole.model_rebuild()
UnassignRoleUnassignRole.model_rebuild()
