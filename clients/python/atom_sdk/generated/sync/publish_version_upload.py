from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MarketplaceErrorFields, PackageVersionFields


class PublishVersionUpload(BaseModel):
    publish_version_upload: "PublishVersionUploadPublishVersionUpload" = Field(
        alias="publishVersionUpload"
    )


class PublishVersionUploadPublishVersionUpload(BaseModel):
    version: Optional["PublishVersionUploadPublishVersionUploadVersion"]
    user_errors: list["PublishVersionUploadPublishVersionUploadUserErrors"] = Field(
        alias="userErrors"
    )


PublishVersionUploadPublishVersionUploadVersion = PackageVersionFields
PublishVersionUploadPublishVersionUploadUserErrors = MarketplaceErrorFields
PublishVersionUpload.model_rebuild()
PublishVersionUploadPublishVersionUpload.model_rebuild()
