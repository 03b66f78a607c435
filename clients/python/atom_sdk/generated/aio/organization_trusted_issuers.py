from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import TrustedIssuerFields


class OrganizationTrustedIssuers(BaseModel):
    organization: Optional["OrganizationTrustedIssuersOrganization"]


class OrganizationTrustedIssuersOrganization(BaseModel):
    id: str
    trusted_issuers: list["OrganizationTrustedIssuersOrganizationTrustedIssuers"] = (
        Field(alias="trustedIssuers")
    )


OrganizationTrustedIssuersOrganizationTrustedIssuers = TrustedIssuerFields
OrganizationTrustedIssuers.model_rebuild()
OrganizationTrustedIssuersOrganization.model_rebuild()
