from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MembershipFields, PageInfoFields


class OrganizationMembers(BaseModel):
    organization: Optional["OrganizationMembersOrganization"]


class OrganizationMembersOrganization(BaseModel):
    id: str
    members: "OrganizationMembersOrganizationMembers"


class OrganizationMembersOrganizationMembers(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "OrganizationMembersOrganizationMembersPageInfo" = Field(
        alias="pageInfo"
    )
    nodes: list["OrganizationMembersOrganizationMembersNodes"]


OrganizationMembersOrganizationMembersPageInfo = PageInfoFields
OrganizationMembersOrganizationMembersNodes = MembershipFields
OrganizationMembers.model_rebuild()
OrganizationMembersOrganization.model_rebuild()
OrganizationMembersOrganizationMembers.model_rebuild()
