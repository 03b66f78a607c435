from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ApiKeyFields, MembershipFields, OrganizationFields, UserFields


class Viewer(BaseModel):
    viewer: "ViewerViewer"


class ViewerViewer(BaseModel):
    user: Optional["ViewerViewerUser"]
    api_key: Optional["ViewerViewerApiKey"] = Field(alias="apiKey")
    organization: Optional["ViewerViewerOrganization"]
    organizations: list["ViewerViewerOrganizations"]
    memberships: list["ViewerViewerMemberships"]
    permissions: list[str]


ViewerViewerUser = UserFields
ViewerViewerApiKey = ApiKeyFields
ViewerViewerOrganization = OrganizationFields
ViewerViewerOrganizations = OrganizationFields
ViewerViewerMemberships = MembershipFields
Viewer.model_rebuild()
ViewerViewer.model_rebuild()
