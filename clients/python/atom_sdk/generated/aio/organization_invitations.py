from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import InvitationFields, PageInfoFields


class OrganizationInvitations(BaseModel):
    organization: Optional["OrganizationInvitationsOrganization"]


class OrganizationInvitationsOrganization(BaseModel):
    id: str
    invitations: "OrganizationInvitationsOrganizationInvitations"


class OrganizationInvitationsOrganizationInvitations(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "OrganizationInvitationsOrganizationInvitationsPageInfo" = Field(
        alias="pageInfo"
    )
    nodes: list["OrganizationInvitationsOrganizationInvitationsNodes"]


OrganizationInvitationsOrganizationInvitationsPageInfo = PageInfoFields
OrganizationInvitationsOrganizationInvitationsNodes = InvitationFields
OrganizationInvitations.model_rebuild()
OrganizationInvitationsOrganization.model_rebuild()
OrganizationInvitationsOrganizationInvitations.model_rebuild()
