from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields, InvitationFields


class InviteMember(BaseModel):
    invite_member: "InviteMemberInviteMember" = Field(alias="inviteMember")


class InviteMemberInviteMember(BaseModel):
    invitation: Optional["InviteMemberInviteMemberInvitation"]
    token: Optional[str]
    user_errors: list["InviteMemberInviteMemberUserErrors"] = Field(alias="userErrors")


InviteMemberInviteMemberInvitation = InvitationFields
InviteMemberInviteMemberUserErrors = AuthErrorFields
InviteMember.model_rebuild()
InviteMemberInviteMember.model_rebuild()
