from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ApiKeyFields, PageInfoFields


class OrganizationApiKeys(BaseModel):
    organization: Optional["OrganizationApiKeysOrganization"]


class OrganizationApiKeysOrganization(BaseModel):
    id: str
    api_keys: "OrganizationApiKeysOrganizationApiKeys" = Field(alias="apiKeys")


class OrganizationApiKeysOrganizationApiKeys(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "OrganizationApiKeysOrganizationApiKeysPageInfo" = Field(
        alias="pageInfo"
    )
    nodes: list["OrganizationApiKeysOrganizationApiKeysNodes"]


OrganizationApiKeysOrganizationApiKeysPageInfo = PageInfoFields
OrganizationApiKeysOrganizationApiKeysNodes = ApiKeyFields
OrganizationApiKeys.model_rebuild()
OrganizationApiKeysOrganization.model_rebuild()
OrganizationApiKeysOrganizationApiKeys.model_rebuild()
