from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields, MembershipFields


class AcceptInvitation(BaseModel):
    accept_invitation: "AcceptInvitationAcceptInvitation" = Field(
        alias="acceptInvitation"
    )


class AcceptInvitationAcceptInvitation(BaseModel):
    membership: Optional["AcceptInvitationAcceptInvitationMembership"]
    user_errors: list["AcceptInvitationAcceptInvitationUserErrors"] = Field(
        alias="userErrors"
    )


AcceptInvitationAcceptInvitationMembership = MembershipFields
AcceptInvitationAcceptInvitationUserErrors = AuthErrorFields
AcceptInvitation.model_rebuild()
AcceptInvitationAcceptInvitation.model_rebuild()
