from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ApiKeyFields, AuthErrorFields


class CreateApiKey(BaseModel):
    create_api_key: "CreateApiKeyCreateApiKey" = Field(alias="createApiKey")


class CreateApiKeyCreateApiKey(BaseModel):
    api_key: Optional["CreateApiKeyCreateApiKeyApiKey"] = Field(alias="apiKey")
    secret: Optional[str]
    user_errors: list["CreateApiKeyCreateApiKeyUserErrors"] = Field(alias="userErrors")


CreateApiKeyCreateApiKeyApiKey = ApiKeyFields
CreateApiKeyCreateApiKeyUserErrors = AuthErrorFields
CreateApiKey.model_rebuild()
CreateApiKeyCreateApiKey.model_rebuild()
