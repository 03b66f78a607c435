from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields, AuthSessionFields


class SignUp(BaseModel):
    sign_up: "SignUpSignUp" = Field(alias="signUp")


class SignUpSignUp(BaseModel):
    session: Optional["SignUpSignUpSession"]
    user_errors: list["SignUpSignUpUserErrors"] = Field(alias="userErrors")


SignUpSignUpSession = AuthSessionFields
SignUpSignUpUserErrors = AuthErrorFields
SignUp.model_rebuild()
SignUpSignUp.model_rebuild()
