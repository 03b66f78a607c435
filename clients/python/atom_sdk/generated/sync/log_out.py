from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields


class LogOut(BaseModel):
    log_out: "LogOutLogOut" = Field(alias="logOut")


class LogOutLogOut(BaseModel):
    ok: bool
    user_errors: list["LogOutLogOutUserErrors"] = Field(alias="userErrors")


LogOutLogOutUserErrors = AuthErrorFields
LogOut.model_rebuild()
LogOutLogOut.model_rebuild()
