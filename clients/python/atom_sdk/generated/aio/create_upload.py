from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MarketplaceErrorFields, UploadTicketFields


class CreateUpload(BaseModel):
    create_upload: "CreateUploadCreateUpload" = Field(alias="createUpload")


class CreateUploadCreateUpload(BaseModel):
    upload: Optional["CreateUploadCreateUploadUpload"]
    user_errors: list["CreateUploadCreateUploadUserErrors"] = Field(alias="userErrors")


CreateUploadCreateUploadUpload = UploadTicketFields
CreateUploadCreateUploadUserErrors = MarketplaceErrorFields
CreateUpload.model_rebuild()
CreateUploadCreateUpload.model_rebuild()
