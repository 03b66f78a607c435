from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import ApiKeyFields, AuthErrorFields


class RevokeApiKey(BaseModel):
    revoke_api_key: "RevokeApiKeyRevokeApiKey" = Field(alias="revokeApiKey")


class RevokeApiKeyRevokeApiKey(BaseModel):
    api_key: Optional["RevokeApiKeyRevokeApiKeyApiKey"] = Field(alias="apiKey")
    user_errors: list["RevokeApiKeyRevokeApiKeyUserErrors"] = Field(alias="userErrors")


RevokeApiKeyRevokeApiKeyApiKey = ApiKeyFields
RevokeApiKeyRevokeApiKeyUserErrors = AuthErrorFields
RevokeApiKey.model_rebuild()
RevokeApiKeyRevokeApiKey.model_rebuild()
