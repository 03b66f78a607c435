from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import PolicyRuleFields


class Authorize(BaseModel):
    authorize: "AuthorizeAuthorize"


class AuthorizeAuthorize(BaseModel):
    allowed: bool
    permission: str
    reason: str
    rule: Optional["AuthorizeAuthorizeRule"]
    policy_version: Optional[int] = Field(alias="policyVersion")


AuthorizeAuthorizeRule = PolicyRuleFields
Authorize.model_rebuild()
AuthorizeAuthorize.model_rebuild()
