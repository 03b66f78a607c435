from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields, AuthSessionFields


class RefreshToken(BaseModel):
    refresh_token: "RefreshTokenRefreshToken" = Field(alias="refreshToken")


class RefreshTokenRefreshToken(BaseModel):
    session: Optional["RefreshTokenRefreshTokenSession"]
    user_errors: list["RefreshTokenRefreshTokenUserErrors"] = Field(alias="userErrors")


RefreshTokenRefreshTokenSession = AuthSessionFields
RefreshTokenRefreshTokenUserErrors = AuthErrorFields
RefreshToken.model_rebuild()
RefreshTokenRefreshToken.model_rebuild()
