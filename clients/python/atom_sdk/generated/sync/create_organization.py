from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields, OrganizationFields


class CreateOrganization(BaseModel):
    create_organization: "CreateOrganizationCreateOrganization" = Field(
        alias="createOrganization"
    )


class CreateOrganizationCreateOrganization(BaseModel):
    organization: Optional["CreateOrganizationCreateOrganizationOrganization"]
    user_errors: list["CreateOrganizationCreateOrganizationUserErrors"] = Field(
        alias="userErrors"
    )


CreateOrganizationCreateOrganizationOrganization = OrganizationFields
CreateOrganizationCreateOrganizationUserErrors = AuthErrorFields
CreateOrganization.model_rebuild()
CreateOrganizationCreateOrganization.model_rebuild()
