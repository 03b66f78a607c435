from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MarketplaceErrorFields, PackageVersionFields


class ApproveVersion(BaseModel):
    approve_version: "ApproveVersionApproveVersion" = Field(alias="approveVersion")


class ApproveVersionApproveVersion(BaseModel):
    version: Optional["ApproveVersionApproveVersionVersion"]
    user_errors: list["ApproveVersionApproveVersionUserErrors"] = Field(
        alias="userErrors"
    )


ApproveVersionApproveVersionVersion = PackageVersionFields
ApproveVersionApproveVersionUserErrors = MarketplaceErrorFields
ApproveVersion.model_rebuild()
ApproveVersionApproveVersion.model_rebuild()
