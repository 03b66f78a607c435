from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MarketplaceErrorFields, PackageVersionFields


class YankVersion(BaseModel):
    yank_version: "YankVersionYankVersion" = Field(alias="yankVersion")


class YankVersionYankVersion(BaseModel):
    version: Optional["YankVersionYankVersionVersion"]
    user_errors: list["YankVersionYankVersionUserErrors"] = Field(alias="userErrors")


YankVersionYankVersionVersion = PackageVersionFields
YankVersionYankVersionUserErrors = MarketplaceErrorFields
YankVersion.model_rebuild()
YankVersionYankVersion.model_rebuild()
