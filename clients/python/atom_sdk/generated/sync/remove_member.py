from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields


class RemoveMember(BaseModel):
    remove_member: "RemoveMemberRemoveMember" = Field(alias="removeMember")


class RemoveMemberRemoveMember(BaseModel):
    removed_membership_id: Optional[str] = Field(alias="removedMembershipId")
    user_errors: list["RemoveMemberRemoveMemberUserErrors"] = Field(alias="userErrors")


RemoveMemberRemoveMemberUserErrors = AuthErrorFields
RemoveMember.model_rebuild()
RemoveMemberRemoveMember.model_rebuild()
