from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MarketplaceErrorFields, PackageVersionFields


class RevokeVersion(BaseModel):
    revoke_version: "RevokeVersionRevokeVersion" = Field(alias="revokeVersion")


class RevokeVersionRevokeVersion(BaseModel):
    version: Optional["RevokeVersionRevokeVersionVersion"]
    user_errors: list["RevokeVersionRevokeVersionUserErrors"] = Field(
        alias="userErrors"
    )


RevokeVersionRevokeVersionVersion = PackageVersionFields
RevokeVersionRevokeVersionUserErrors = MarketplaceErrorFields
RevokeVersion.model_rebuild()
RevokeVersionRevokeVersion.model_rebuild()
