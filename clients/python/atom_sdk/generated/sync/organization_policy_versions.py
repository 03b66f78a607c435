from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import PageInfoFields, PolicyVersionFields


class OrganizationPolicyVersions(BaseModel):
    organization: Optional["OrganizationPolicyVersionsOrganization"]


class OrganizationPolicyVersionsOrganization(BaseModel):
    id: str
    policy_versions: "OrganizationPolicyVersionsOrganizationPolicyVersions" = Field(
        alias="policyVersions"
    )


class OrganizationPolicyVersionsOrganizationPolicyVersions(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "OrganizationPolicyVersionsOrganizationPolicyVersionsPageInfo" = Field(
        alias="pageInfo"
    )
    nodes: list["OrganizationPolicyVersionsOrganizationPolicyVersionsNodes"]


OrganizationPolicyVersionsOrganizationPolicyVersionsPageInfo = PageInfoFields
OrganizationPolicyVersionsOrganizationPolicyVersionsNodes = PolicyVersionFields
OrganizationPolicyVersions.model_rebuild()
OrganizationPolicyVersionsOrganization.model_rebuild()
OrganizationPolicyVersionsOrganizationPolicyVersions.model_rebuild()
