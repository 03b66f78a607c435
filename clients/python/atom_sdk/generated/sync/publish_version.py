from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MarketplaceErrorFields, PackageVersionFields


class PublishVersion(BaseModel):
    publish_version: "PublishVersionPublishVersion" = Field(alias="publishVersion")


class PublishVersionPublishVersion(BaseModel):
    version: Optional["PublishVersionPublishVersionVersion"]
    user_errors: list["PublishVersionPublishVersionUserErrors"] = Field(
        alias="userErrors"
    )


PublishVersionPublishVersionVersion = PackageVersionFields
PublishVersionPublishVersionUserErrors = MarketplaceErrorFields
PublishVersion.model_rebuild()
PublishVersionPublishVersion.model_rebuild()
