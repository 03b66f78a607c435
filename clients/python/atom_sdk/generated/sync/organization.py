from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import (
    OrganizationFields,
    PolicyRuleFields,
    PolicyVersionFields,
    RoleFields,
)


class Organization(BaseModel):
    organization: Optional["OrganizationOrganization"]


class OrganizationOrganization(OrganizationFields):
    viewer_permissions: list[str] = Field(alias="viewerPermissions")
    roles: list["OrganizationOrganizationRoles"]
    policy_version: Optional["OrganizationOrganizationPolicyVersion"] = Field(
        alias="policyVersion"
    )


OrganizationOrganizationRoles = RoleFields


class OrganizationOrganizationPolicyVersion(PolicyVersionFields):
    rules: list["OrganizationOrganizationPolicyVersionRules"]


OrganizationOrganizationPolicyVersionRules = PolicyRuleFields
Organization.model_rebuild()
OrganizationOrganization.model_rebuild()
OrganizationOrganizationPolicyVersion.model_rebuild()
