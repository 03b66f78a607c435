from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MarketplaceErrorFields, SigningIdentityFields


class RevokeSigningIdentity(BaseModel):
    revoke_signing_identity: "RevokeSigningIdentityRevokeSigningIdentity" = Field(
        alias="revokeSigningIdentity"
    )


class RevokeSigningIdentityRevokeSigningIdentity(BaseModel):
    signing_identity: Optional[
        "RevokeSigningIdentityRevokeSigningIdentitySigningIdentity"
    ] = Field(alias="signingIdentity")
    user_errors: list["RevokeSigningIdentityRevokeSigningIdentityUserErrors"] = Field(
        alias="userErrors"
    )


RevokeSigningIdentityRevokeSigningIdentitySigningIdentity = SigningIdentityFields
RevokeSigningIdentityRevokeSigningIdentityUserErrors = MarketplaceErrorFields
RevokeSigningIdentity.model_rebuild()
RevokeSigningIdentityRevokeSigningIdentity.model_rebuild()
