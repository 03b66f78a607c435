from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields, AuthSessionFields


class LogIn(BaseModel):
    log_in: "LogInLogIn" = Field(alias="logIn")


class LogInLogIn(BaseModel):
    session: Optional["LogInLogInSession"]
    user_errors: list["LogInLogInUserErrors"] = Field(alias="userErrors")


LogInLogInSession = AuthSessionFields
LogInLogInUserErrors = AuthErrorFields
LogIn.model_rebuild()
LogInLogIn.model_rebuild()
