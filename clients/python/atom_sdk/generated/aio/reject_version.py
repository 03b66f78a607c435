from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MarketplaceErrorFields, PackageVersionFields


class RejectVersion(BaseModel):
    reject_version: "RejectVersionRejectVersion" = Field(alias="rejectVersion")


class RejectVersionRejectVersion(BaseModel):
    version: Optional["RejectVersionRejectVersionVersion"]
    user_errors: list["RejectVersionRejectVersionUserErrors"] = Field(
        alias="userErrors"
    )


RejectVersionRejectVersionVersion = PackageVersionFields
RejectVersionRejectVersionUserErrors = MarketplaceErrorFields
RejectVersion.model_rebuild()
RejectVersionRejectVersion.model_rebuild()
