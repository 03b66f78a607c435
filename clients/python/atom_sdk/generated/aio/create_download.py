from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MarketplaceErrorFields


class CreateDownload(BaseModel):
    create_download: "CreateDownloadCreateDownload" = Field(alias="createDownload")


class CreateDownloadCreateDownload(BaseModel):
    download: Optional["CreateDownloadCreateDownloadDownload"]
    user_errors: list["CreateDownloadCreateDownloadUserErrors"] = Field(
        alias="userErrors"
    )


class CreateDownloadCreateDownloadDownload(BaseModel):
    url: str
    sha_256: str = Field(alias="sha256")
    size: int
    filename: str
    expires_at: datetime = Field(alias="expiresAt")


CreateDownloadCreateDownloadUserErrors = MarketplaceErrorFields
CreateDownload.model_rebuild()
CreateDownloadCreateDownload.model_rebuild()
